using AkkaRouter.Placement.Balancing;
using AkkaRouter.Ring;

namespace AkkaRouter.Http;

/// <summary>
/// The candidates of a route with a balancing policy (akka-router.http.routes[].policy = round-robin,
/// least-requests or random): the backends that own keys on this router's ring, in their states and
/// effective weights, the policy's pick first and then the others in ring order after it, so a
/// retry after a refused connect goes to a different backend. A backend whose circuit is open is
/// never the pick while another one is not.
/// </summary>
/// <remarks>
/// Per route, the policy's state (the round-robin's current weights) is built once per ring snapshot
/// and swapped with one reference write; a pick takes no actor round trip and allocates nothing
/// (least-requests reads this edge's in-flight counts from <see cref="BackendLoads"/>).
/// </remarks>
public sealed class RouteBalancer
{
    private const int StackOwners = 64;

    private sealed class Snapshot
    {
        public Snapshot(RingSnapshot ring)
        {
            Ring = ring;
            Owners = ring.Backends.Where(b => b.OwnsKeys).ToArray();
            Weights = Owners.Select(b => b.Weight).ToArray();
            RoundRobin = new SmoothWeightedRoundRobin(Weights);
        }

        public RingSnapshot Ring { get; }
        public Backend[] Owners { get; }
        public double[] Weights { get; }
        public SmoothWeightedRoundRobin RoundRobin { get; }
    }

    private readonly BalancingPolicy _policy;
    private readonly BackendCircuits _circuits;
    private readonly BackendLoads _loads;
    private Snapshot? _snapshot;

    public RouteBalancer(BalancingPolicy policy, BackendCircuits circuits, BackendLoads loads)
    {
        if (policy == BalancingPolicy.ConsistentHash)
            throw new ArgumentException("consistent-hash routes use the key's preference list", nameof(policy));
        _policy = policy;
        _circuits = circuits;
        _loads = loads;
    }

    public BalancingPolicy Policy => _policy;

    /// <summary>Fills <paramref name="destination"/> with the pick and the backends after it; returns how many.</summary>
    public int Candidates(RingSnapshot ring, Span<Backend?> destination)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is null || !ReferenceEquals(snapshot.Ring, ring))
        {
            snapshot = new Snapshot(ring);
            Volatile.Write(ref _snapshot, snapshot);
        }
        var owners = snapshot.Owners;
        if (owners.Length == 0)
            return 0;
        var first = Pick(snapshot);
        if (first < 0)
            first = 0; // every circuit is open: the attempts below say so
        var count = Math.Min(owners.Length, destination.Length);
        for (var i = 0; i < count; i++)
            destination[i] = owners[(first + i) % owners.Length];
        return count;
    }

    private bool Admits(Backend backend) => _circuits.Find(backend.Endpoint)?.Phase != CircuitPhase.Open;

    private int Pick(Snapshot snapshot)
    {
        var state = (Balancer: this, snapshot.Owners);
        switch (_policy)
        {
            case BalancingPolicy.RoundRobin:
                return snapshot.RoundRobin.Next(state, static (s, i) => s.Balancer.Admits(s.Owners[i]));
            case BalancingPolicy.Random:
                return WeightedRandom.Pick(snapshot.Weights, state, static (s, i) => s.Balancer.Admits(s.Owners[i]), System.Random.Shared);
            default:
                var owners = snapshot.Owners;
                Span<int> inFlight = owners.Length <= StackOwners ? stackalloc int[StackOwners] : new int[owners.Length];
                inFlight = inFlight[..owners.Length];
                for (var i = 0; i < owners.Length; i++)
                    inFlight[i] = _loads.Find(owners[i].Endpoint)?.Current ?? 0;
return LeastRequests.Pick(inFlight, snapshot.Weights, state, static (s, i) => s.Balancer.Admits(s.Owners[i]), System.Random.Shared);
        }
    }
}
