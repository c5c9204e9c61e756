using System.Text;
using Akka.Actor;

namespace AkkaRouter.Palette;

/// <summary>`actor hierarchy` and `actor system`.</summary>
public sealed class ActorPalette(ActorSystem system)
{
    // Children answer Identify within microseconds locally; this bounds how long one level waits.
    private static readonly TimeSpan LevelTimeout = TimeSpan.FromMilliseconds(300);

    public IEnumerable<PaletteCommand> Commands =>
    [
        new("actor hierarchy", "actor hierarchy [-d DEPTH] [-s PATH]", "the actor tree below PATH (default /user and /system)", Hierarchy),
        new("actor system", "actor system", "this node's actor system", System),
    ];

    private Task<string> System(PaletteArguments args)
    {
        args.AllowOnly();
        var uptime = TimeSpan.FromSeconds(system.Uptime.TotalSeconds);
        var address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        return Task.FromResult($"{system.Name} ({address}), up {uptime:d\\.hh\\:mm\\:ss}\n");
    }

    private async Task<string> Hierarchy(PaletteArguments args)
    {
        args.AllowOnly("d", "depth", "s", "start");
        var depth = args.IntOption("d", "depth", 4, 1, 32);
        var start = args.Option("s", "start");
        var roots = start is null ? ["/user", "/system"] : new[] { start.StartsWith('/') ? start : "/" + start };
        var text = new StringBuilder();
        foreach (var root in roots)
        {
            text.Append(root).Append('\n');
            await Walk(root, 1, depth, text);
        }
        return text.ToString();
    }

    // Children of every actor at one level are asked at once, so a walk takes about one timeout per
    // level, not one per actor (a router with thousands of connections has thousands of children).
    private async Task Walk(string path, int level, int maxDepth, StringBuilder text)
    {
        if (level > maxDepth)
            return;
        var children = (await Children(path)).OrderBy(c => c.Path.Name, StringComparer.Ordinal).ToList();
        var below = new Task<StringBuilder>[children.Count];
        for (var i = 0; i < children.Count; i++)
        {
            var childPath = path.TrimEnd('/') + "/" + children[i].Path.Name;
            below[i] = Task.Run(async () =>
            {
                var subtree = new StringBuilder();
                await Walk(childPath, level + 1, maxDepth, subtree);
                return subtree;
            });
        }
        var subtrees = await Task.WhenAll(below);
        for (var i = 0; i < children.Count; i++)
            text.Append(new string(' ', level * 2)).Append(children[i].Path.Name).Append('\n').Append(subtrees[i]);
    }

    private async Task<IReadOnlyList<IActorRef>> Children(string path)
    {
        var done = new TaskCompletionSource<IReadOnlyList<IActorRef>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new IdentifyCollector(path, done)));
        return await done.Task;
    }

    /// <summary>Sends Identify to every child of a path and collects the answers until they stop coming.</summary>
    private sealed class IdentifyCollector : ReceiveActor
    {
        private readonly List<IActorRef> _found = new();

        public IdentifyCollector(string path, TaskCompletionSource<IReadOnlyList<IActorRef>> done)
        {
            Context.ActorSelection(path.TrimEnd('/') + "/*").Tell(new Identify(null));
            Context.SetReceiveTimeout(LevelTimeout);
            Receive<ActorIdentity>(identity =>
            {
                if (identity.Subject is not null)
                    _found.Add(identity.Subject);
            });
            Receive<ReceiveTimeout>(_ =>
            {
                done.TrySetResult(_found);
                Context.Stop(Self);
            });
        }
    }
}
