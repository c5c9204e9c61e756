using System.Text;
using AkkaRouter.Palette;
using Microsoft.AspNetCore.Builder;

namespace AkkaRouter.Demo;

/// <summary>
/// The demo's backend services, which the palette can stop and start (`demo stop -b backend-2`, `demo start -b
/// backend-2`, `demo status`): a stopped service fails its sidecar's health checks, its keys move to the next
/// backends on every router, and it gets them back once it answers again — failover to watch on the dashboard.
/// </summary>
public sealed class DemoServices : IPaletteExtension, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (int Port, WebApplication? App)> _services = new(StringComparer.Ordinal);

    public IEnumerable<PaletteCommand> Commands =>
    [
        new("demo status", "demo status", "the demo's backend services and whether each is running", _ => Task.FromResult(Status())),
        new("demo stop", "demo stop -b SERVICE", "stop a demo backend's service (backend-1, backend-2, ...): its keys fail over", Stop),
        new("demo start", "demo start -b SERVICE", "start a stopped demo backend's service again: its keys come back", Start),
    ];

    /// <summary>Starts the service <paramref name="name"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    public async Task Add(string name, int port, CancellationToken cancel)
    {
        var app = DemoService.Create(name, port);
        await app.StartAsync(cancel);
        lock (_gate)
            _services[name] = (port, app);
    }

    private string Status()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var (name, (port, app)) in _services.OrderBy(s => s.Key, StringComparer.Ordinal))
                text.Append($"{name}  http://127.0.0.1:{port}/  {(app is null ? "stopped" : "running")}\n");
        }
        return text.ToString();
    }

    private async Task<string> Stop(PaletteArguments args)
    {
        var name = Service(args);
        WebApplication? app;
        lock (_gate)
        {
            app = _services[name].App;
            if (app is null)
                return $"{name} is already stopped\n";
            _services[name] = (_services[name].Port, null);
        }
        await app.DisposeAsync();
        return $"{name} stopped: its sidecar's health checks fail and its keys move to the next backends (watch `ring tail` or the dashboard)\n";
    }

    private async Task<string> Start(PaletteArguments args)
    {
        var name = Service(args);
        int port;
        lock (_gate)
        {
            if (_services[name].App is not null)
                return $"{name} is already running\n";
            port = _services[name].Port;
        }
        var app = DemoService.Create(name, port);
        await app.StartAsync();
        lock (_gate)
            _services[name] = (port, app);
        return $"{name} started on 127.0.0.1:{port}: once its checks pass it gets its keys back\n";
    }

    private string Service(PaletteArguments args)
    {
        args.AllowOnly("b", "backend");
        var name = args.Option("b", "backend") ?? throw new PaletteUsageError("-b SERVICE is required (demo status lists them)");
        lock (_gate)
        {
            if (!_services.ContainsKey(name))
                throw new PaletteUsageError($"no demo service '{name}' (known: {string.Join(", ", _services.Keys.Order(StringComparer.Ordinal))})");
        }
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        List<WebApplication> apps;
        lock (_gate)
            apps = _services.Values.Select(s => s.App).OfType<WebApplication>().ToList();
        foreach (var app in apps)
            await app.DisposeAsync();
    }
}
