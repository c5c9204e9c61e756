using AkkaRouter.Ring;
using BenchmarkDotNet.Attributes;

namespace AkkaRouter.Benchmarks;

/// <summary>Building a 1000-backend ring from scratch and applying one add or one remove to it.</summary>
[MemoryDiagnoser]
public class UpdateBenchmarks
{
    private Backend[] _backends = [];
    private Backend[] _plusOne = [];
    private Backend[] _minusOne = [];
    private RingSnapshot _ring = RingSnapshot.Empty;

    [Params(1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        Backend[] all = Workloads.Backends(random, N + 1);
        _backends = all[..N];
        _plusOne = all;
        _minusOne = _backends.Where((_, i) => i != N / 2).ToArray();
        _ring = RingSnapshot.Build(_backends);
    }

    // Snapshots are immutable, so every invocation applies exactly one change to the same base ring.
    [Benchmark]
    public RingSnapshot Build() => RingSnapshot.Build(_backends);

    [Benchmark]
    public RingSnapshot ApplyAddOne() => _ring.Apply(_plusOne);

    [Benchmark]
    public RingSnapshot ApplyRemoveOne() => _ring.Apply(_minusOne);
}
