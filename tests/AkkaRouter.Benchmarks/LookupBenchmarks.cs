using System.Text;
using AkkaRouter.Ring;
using BenchmarkDotNet.Attributes;

namespace AkkaRouter.Benchmarks;

/// <summary>Owner and preference-list lookups of 32-byte keys, against a 160-point ketama ring on the same keys.</summary>
/// <remarks>
/// The <c>Owner</c> rows cycle through 1,024 keys, so the ring's lines they touch stay in cache; the <c>ManyKeys</c> rows
/// go through 2^20 keys, so they come from memory as they do in a proxy busy with sockets between lookups. A ring of up to
/// 42 backends answers from its owner index; <c>TableOwnerManyKeys</c> asks the bucketed point table of the same ring
/// (what every ring used before the index, and what rings over the index's size still use).
/// </remarks>
[MemoryDiagnoser]
public class LookupBenchmarks
{
    // Cycling through many distinct keys touches many buckets, like real traffic, rather than one hot cache line.
    private const int KeyCount = 1024;

    private const int ManyKeyCount = 1 << 20;
    private const int KeyBytes = 32;

    private byte[][] _keys = [];
    // ManyKeyCount keys of KeyBytes bytes, back to back: read in order, so the keys stream in and the ring's lines do not.
    private byte[] _manyKeys = [];
    private RingSnapshot _ring = RingSnapshot.Empty;
    private KetamaRing _ketama = null!;
    private Backend?[] _preference = new Backend?[3];

    [Params(3, 100, 1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20240715);
        Backend[] backends = Workloads.Backends(random, N);
        // As the node publishes rings: with the owner index where the ring is small enough for one.
        _ring = RingSnapshot.Build(backends).WithOwnerIndex();
        _ketama = new KetamaRing(backends, 160);
        _keys = Enumerable.Range(0, KeyCount)
            .Select(i => Encoding.UTF8.GetBytes($"user:{random.NextInt64():x16}:{i:x8}".PadRight(32, '.')[..32]))
            .ToArray();
        _manyKeys = new byte[ManyKeyCount * KeyBytes];
        random.NextBytes(_manyKeys);
    }

    [Benchmark(OperationsPerInvoke = ManyKeyCount)]
    public Backend? OwnerManyKeys()
    {
        Backend? last = null;
        ReadOnlySpan<byte> keys = _manyKeys;
        for (int offset = 0; offset < keys.Length; offset += KeyBytes)
        {
            last = _ring.Owner(keys.Slice(offset, KeyBytes));
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = ManyKeyCount)]
    public int TableOwnerManyKeys()
    {
        int last = 0;
        ReadOnlySpan<byte> keys = _manyKeys;
        for (int offset = 0; offset < keys.Length; offset += KeyBytes)
        {
            last = _ring.Table.OwnerSlot(RingHashing.KeyPosition(keys.Slice(offset, KeyBytes)));
        }

        return last;
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
