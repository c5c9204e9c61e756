using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Membership;

/// <summary>
/// The node's current ring snapshots, one per service, each readable from any thread with one volatile read.
/// </summary>
/// <remarks>
/// Only the <see cref="RingActor"/> writes them; lookups never wait on an actor. <see cref="Current"/> and
/// <see cref="Scope"/> are the <c>default</c> service's, which plain GET answers from. A service's
/// <see cref="ServiceRing"/> is created once and kept, so a route or a command resolves it once and then reads
/// its snapshot directly.
/// </remarks>
public sealed class RingView
{
    /// <summary>The service of backends that name none; GET answers from its ring.</summary>
    public const string DefaultService = BackendFields.DefaultService;

    private readonly object _gate = new();
    private ServiceRing[] _services;
    private Placement.BackendStateTable _state = Placement.BackendStateTable.Empty;

    public RingView()
    {
        Default = new ServiceRing(DefaultService);
        _services = [Default];
    }

    /// <summary>The default service's ring.</summary>
    public ServiceRing Default { get; }

    /// <summary>The default service's latest snapshot.</summary>
    public RingSnapshot Current => Default.Current;

    /// <summary>What the default service's ring places keys among: all backends, this router's zone, or all after a fallback (with why).</summary>
    public string Scope => Default.Scope;

    /// <summary>Every service this node knows (configured in a route or seen on a backend), the default first, then by name.</summary>
    public IReadOnlyList<ServiceRing> Services => Volatile.Read(ref _services);

    /// <summary>The replicated backend state the ring actor last placed from (scores for explanations).</summary>
    public Placement.BackendStateTable State => Volatile.Read(ref _state);

    /// <summary>The service's ring, or null when this node knows no such service. Allocates nothing.</summary>
    public ServiceRing? Find(ReadOnlySpan<byte> name)
    {
        foreach (var service in Volatile.Read(ref _services))
        {
            if (name.SequenceEqual(service.NameUtf8))
                return service;
        }
        return null;
    }

    /// <summary>The service's ring, or null when this node knows no such service.</summary>
    public ServiceRing? Find(string name)
    {
        foreach (var service in Volatile.Read(ref _services))
        {
            if (string.Equals(service.Name, name, StringComparison.Ordinal))
                return service;
        }
        return null;
    }

    /// <summary>The service's ring, created (empty until the ring actor places its backends) when this node did not know it.</summary>
    public ServiceRing Service(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Find(name) is { } known)
            return known;
        lock (_gate)
        {
            if (Find(name) is { } raced)
                return raced;
            var created = new ServiceRing(name);
            var services = _services.Append(created).OrderBy(s => s.Name == DefaultService ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
            Volatile.Write(ref _services, services);
            return created;
        }
    }

    internal void Publish(RingSnapshot snapshot) => Default.Publish(snapshot);

    internal void PublishScope(string scope) => Default.PublishScope(scope);

    internal void Publish(Placement.BackendStateTable state) => Volatile.Write(ref _state, state);
}

/// <summary>One service's ring: its latest snapshot and what its keys are placed among.</summary>
public sealed class ServiceRing
{
    private RingSnapshot _current = RingSnapshot.Empty;
    private string _scope = Placement.BackendPlacement.AllBackends;

    internal ServiceRing(string name)
    {
        Name = name;
        NameUtf8 = Encoding.UTF8.GetBytes(name);
    }

    public string Name { get; }

    /// <summary>The name as UTF-8, to match a command's argument without decoding it.</summary>
    public byte[] NameUtf8 { get; }

    /// <summary>The latest published snapshot.</summary>
    public RingSnapshot Current => Volatile.Read(ref _current);

    /// <summary>All backends, this router's zone, or all after a fallback (with why).</summary>
    public string Scope => Volatile.Read(ref _scope);

    /// <summary>Makes <paramref name="snapshot"/> the one lookups read, with its owner index built first (by the publishing actor, off the request path).</summary>
    internal void Publish(RingSnapshot snapshot) => Volatile.Write(ref _current, snapshot.WithOwnerIndex());

    internal void PublishScope(string scope) => Volatile.Write(ref _scope, scope);
}
