using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using AkkaRouter.Membership;
using AkkaRouter.Ring;
using AkkaRouter.Placement;
using AkkaRouter.State;

namespace AkkaRouter.Palette;

/// <summary>`ring ...` commands: the ring as this node holds it.</summary>
public sealed class RingPalette(ActorSystem system, RingView ring)
{
    public IEnumerable<PaletteCommand> Commands =>
    [
        new("ring show", "ring show [-s SERVICE]", "every service's backends (or one service's) with zone, weight (configured, effective), state, points, share of keys and reason", Show),
        new("ring lookup", "ring lookup -k KEY [-n N] [-s SERVICE]", "the key's owner and preference list (default service unless -s)", Lookup),
        new("ring tail", "ring tail", "stream ring changes of every service with how many keys moved", Stream: Tail),
        new("ring explain", "ring explain -k KEY [-s SERVICE]", "why the key's owner is its owner: the rule and every candidate with state, weights and score", Explain),
        new("ring drain", "ring drain -b BACKEND", "take a backend's keys away on every router (BACKEND = id or endpoint)",
            args => Override(args, backend => new DrainBackend(backend, Source))),
        new("ring undrain", "ring undrain -b BACKEND", "give a drained backend its keys back",
            args => Override(args, backend => new UndrainBackend(backend, Source))),
        new("ring weight", "ring weight -b BACKEND -w WEIGHT", "override a backend's weight (0 to 100) on every router",
            args => Override(args, backend => new SetBackendWeight(backend, WeightOption(args), Source), "w", "weight")),
    ];

    private Task<string> Explain(PaletteArguments args)
    {
        args.AllowOnly("k", "key", "s", "service");
        var key = args.Option("k", "key") ?? throw new PaletteUsageError("-k KEY is required");
        var e = KeyExplanation.Of(Service(args).Current, ring.State, key);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{key} (position {e.Position:x8}) -> {e.Owner?.Endpoint ?? "(none)"}\n{e.Rule}\n");
        if (e.Candidates.Count == 0)
            return Task.FromResult(text.ToString());
        var width = Math.Max(8, e.Candidates.Max(c => c.Backend.Id.Length));
        text.Append(CultureInfo.InvariantCulture, $"{"rank",4}  {"id".PadRight(width)}  {"state",-9}  {"weight",6}  {"eff.",6}  {"health",6}  {"hits",6}  {"zone$",5}  {"score",6}  reason\n");
        foreach (var c in e.Candidates)
        {
            var b = c.Backend;
            var row = string.Create(CultureInfo.InvariantCulture,
                $"{(c.Rank == 0 ? "-" : c.Rank.ToString(CultureInfo.InvariantCulture)),4}  {b.Id.PadRight(width)}  {b.State.Name(),-9}  {BackendFields.Weight(b.ConfiguredWeight),6}  {BackendFields.Weight(b.Weight),6}  " +
                $"{BackendFields.Score(c.Score?.Inputs.Health),6}  {BackendFields.Score(c.Score?.Inputs.CacheHitRate),6}  {BackendFields.Score(c.Score?.Inputs.ZoneCost),5}  {BackendFields.Score(c.Score?.Value),6}  {b.Reason}");
            text.Append(row.TrimEnd()).Append('\n');
        }
        return Task.FromResult(text.ToString());
    }

    // The service named by -s, the default without it.
    private ServiceRing Service(PaletteArguments args)
    {
        var name = args.Option("s", "service");
        if (name is null)
            return ring.Default;
        return ring.Find(name) ?? throw new PaletteUsageError($"unknown service '{name}' (known: {string.Join(", ", ring.Services.Select(s => s.Name))})");
    }

    private string Source => "palette on " + Akka.Cluster.Cluster.Get(system).SelfAddress;

    private static double WeightOption(PaletteArguments args)
    {
        var text = args.Option("w", "weight") ?? throw new PaletteUsageError("-w WEIGHT is required");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !double.IsFinite(weight)
            || weight < 0 || weight > RingSnapshot.MaxWeight)
            throw new PaletteUsageError($"-w must be a number from 0 to {RingSnapshot.MaxWeight}");
        return weight;
    }

    private async Task<string> Override(PaletteArguments args, Func<string, OverrideCommand> command, params string[] extra)
    {
        args.AllowOnly(["b", "backend", .. extra]);
        var backend = args.Option("b", "backend") ?? throw new PaletteUsageError("-b BACKEND is required (an id or endpoint, as `ring show` lists them)");
        var overrides = Akka.Hosting.ActorRegistry.For(system).Get<BackendOverridesActor>();
        var result = await overrides.Ask<OverrideResult>(command(backend), TimeSpan.FromSeconds(15));
        return result.Applied ? result.Message + "\n" : throw new PaletteUsageError(result.Message);
    }

    private Task<string> Show(PaletteArguments args)
    {
        args.AllowOnly("s", "service");
        var text = new StringBuilder();
        var services = args.Option("s", "service") is null ? ring.Services : [Service(args)];
        foreach (var service in services)
        {
            if (text.Length > 0)
                text.Append('\n');
            Show(service, text);
        }
        return Task.FromResult(text.ToString());
    }

    // The default service's heading keeps its form ("Ring vN, ..."); the others name their service first.
    private static void Show(ServiceRing service, StringBuilder text)
    {
        var snapshot = service.Current;
        if (service.Name != RingView.DefaultService)
            text.Append(CultureInfo.InvariantCulture, $"Service {service.Name}: ");
        text.Append(CultureInfo.InvariantCulture, $"Ring v{snapshot.Version}, checksum {snapshot.Checksum:x16}, {snapshot.Count} backends, {snapshot.PointCount} points\n");
        if (service.Scope != BackendPlacement.AllBackends)
            text.Append(CultureInfo.InvariantCulture, $"placing keys among {service.Scope}\n");
        if (snapshot.IsEmpty)
        {
            text.Append("(no backends)\n");
            return;
        }
        var shares = snapshot.Shares();
        var width = Math.Max(8, snapshot.Backends.Max(b => Math.Max(b.Id.Length, b.Endpoint.Length)));
        text.Append(CultureInfo.InvariantCulture, $"{"id".PadRight(width)}  {"endpoint".PadRight(width)}  {"zone",-10}  {"weight",6}  {"eff.",6}  {"state",-9}  {"points",7}  {"share",7}  reason\n");
        foreach (var b in snapshot.Backends)
        {
            var row = string.Create(CultureInfo.InvariantCulture,
                $"{b.Id.PadRight(width)}  {b.Endpoint.PadRight(width)}  {b.Zone,-10}  {BackendFields.Weight(b.ConfiguredWeight),6}  {BackendFields.Weight(b.Weight),6}  {b.State.Name(),-9}  {RingSnapshot.PointsFor(b.Weight),7}  {shares[b.Id],7:P2}  {b.Reason}");
            text.Append(row.TrimEnd()).Append('\n');
        }
    }

    private Task<string> Lookup(PaletteArguments args)
    {
        args.AllowOnly("k", "key", "n", "count", "s", "service");
        var key = args.Option("k", "key") ?? throw new PaletteUsageError("-k KEY is required");
        var count = args.IntOption("n", "count", 3, 1, 1024);
        var snapshot = Service(args).Current;
        if (!snapshot.HasOwners)
            return Task.FromResult("no backends in ring\n");
        var list = snapshot.PreferenceList(key, count);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{key} -> {list[0].Endpoint}\n");
        for (var i = 0; i < list.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"  {i + 1}. {list[i].Endpoint} (id {list[i].Id}{(list[i].Zone.Length > 0 ? ", zone " + list[i].Zone : "")})\n");
        return Task.FromResult(text.ToString());
    }

    private IAsyncEnumerable<string> Tail(PaletteArguments args, CancellationToken cancel)
    {
        args.AllowOnly();
        var current = ring.Current;
        var first = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} Ring v{current.Version}: {current.Count} backends, checksum {current.Checksum:x16}\n");
        return ActorFedStream.Run(system, lines => Props.Create(() => new RingTailListener(lines)), [first], cancel);
    }

    private sealed class RingTailListener : ReceiveActor
    {
        public RingTailListener(ChannelWriter<string> lines)
        {
            Receive<RingChanged>(e => lines.TryWrite(string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:HH:mm:ss.fff} {(e.Service == RingView.DefaultService ? "" : $"Service {e.Service}: ")}Ring v{e.Current.Version}: {e.Current.Count} backends, checksum {e.Current.Checksum:x16}, {e.Movement.MovedFraction:P2} of keys moved ({e.Reason})\n")));
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(RingChanged));

        protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
    }
}
