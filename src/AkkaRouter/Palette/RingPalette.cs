using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using AkkaRouter.Membership;
using AkkaRouter.Ring;

namespace AkkaRouter.Palette;

/// <summary>`ring ...` commands: the ring as this node holds it.</summary>
public sealed class RingPalette(ActorSystem system, RingView ring)
{
    public IEnumerable<PaletteCommand> Commands =>
    [
        new("ring show", "ring show", "backends with weight, zone, state, points and share of keys", Show),
        new("ring lookup", "ring lookup -k KEY [-n N]", "the key's owner and preference list", Lookup),
        new("ring tail", "ring tail", "stream ring changes with how many keys moved", Stream: Tail),
    ];

    private Task<string> Show(PaletteArguments args)
    {
        args.AllowOnly();
        var snapshot = ring.Current;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Ring v{snapshot.Version}, checksum {snapshot.Checksum:x16}, {snapshot.Count} backends, {snapshot.PointCount} points\n");
        if (snapshot.IsEmpty)
            return Task.FromResult(text.Append("(no backends)\n").ToString());
        var shares = snapshot.Shares();
        var width = Math.Max(8, snapshot.Backends.Max(b => Math.Max(b.Id.Length, b.Endpoint.Length)));
        text.Append(CultureInfo.InvariantCulture, $"{"id".PadRight(width)}  {"endpoint".PadRight(width)}  {"zone",-10}  {"weight",6}  {"state",-7}  {"points",7}  {"share",7}\n");
        foreach (var b in snapshot.Backends)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{b.Id.PadRight(width)}  {b.Endpoint.PadRight(width)}  {b.Zone,-10}  {b.Weight,6:0.##}  {b.State,-7}  {RingSnapshot.PointsFor(b.Weight),7}  {shares[b.Id],7:P2}\n");
        }
        return Task.FromResult(text.ToString());
    }

    private Task<string> Lookup(PaletteArguments args)
    {
        args.AllowOnly("k", "key", "n", "count");
        var key = args.Option("k", "key") ?? throw new PaletteUsageError("-k KEY is required");
        var count = args.IntOption("n", "count", 3, 1, 1024);
        var snapshot = ring.Current;
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
                $"{DateTime.UtcNow:HH:mm:ss.fff} Ring v{e.Current.Version}: {e.Current.Count} backends, checksum {e.Current.Checksum:x16}, {e.Movement.MovedFraction:P2} of keys moved ({e.Reason})\n")));
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(RingChanged));

        protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
    }
}
