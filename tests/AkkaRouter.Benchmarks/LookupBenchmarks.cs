using System.Text;
using AkkaRouter.Ring;
using BenchmarkDotNet.Attributes;

namespace AkkaRouter.Benchmarks;

/// <summary>Owner and preference-list lookups of 32-byte keys, against a 160-point ketama ring on the same keys.</summary>
[MemoryDiagnoser]
public class LookupBenchmarks
{
    // Cycling through many distinct keys touches many buckets, like real traffic, rather than one hot cache line.
    private const int KeyCount = 1024;

    private byte[][] _keys = [];
    private RingSnapshot _ring = RingSnapshot.Empty;
    private KetamaRing _ketama = null!;
    private Backend?[] _preference = new Backend?[3];

    [Params(100, 1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20240715);
        Backend[] backends = Workloads.Backends(random, N);
        _ring = RingSnapshot.Build(backends);
        _ketama = new KetamaRing(backends, 160);
        _keys = Enumerable.Range(0, KeyCount)
            .Select(i => Encoding.UTF8.GetBytes($"user:{random.NextInt64():x16}:{i:x8}".PadRight(32, '.')[..32]))
            .ToArray();
    }

    [Benchmark(OperationsPerInvoke = KeyCount)]
    public Backend? Owner()
    {
        Backend? last = null;
        foreach (byte[] key in _keys)
        {
            last = _ring.Owner(key);
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int PreferenceList3()
    {
        int total = 0;
        foreach (byte[] key in _keys)
        {
            total += _ring.PreferenceList(key, _preference);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = KeyCount)]
    public Backend? Ketama160Owner()
    {
        Backend? last = null;
        foreach (byte[] key in _keys)
        {
            last = _ketama.Owner(key);
        }

        return last;
    }
}
