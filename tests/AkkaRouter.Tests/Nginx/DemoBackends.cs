using AkkaRouter.Demo;
using Microsoft.AspNetCore.Builder;

namespace AkkaRouter.Tests.Nginx;

/// <summary>Real HTTP backends (the demo service, "backend-1" ...) on ports the OS picks, answering "NAME METHOD PATH?QUERY".</summary>
public sealed class DemoBackends : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = new();

    private DemoBackends()
    {
    }

    /// <summary>Each backend's name by its endpoint ("127.0.0.1:PORT").</summary>
    public Dictionary<string, string> Names { get; } = new();

    /// <summary>Starts <paramref name="count"/> backends, named backend-1 to backend-COUNT.</summary>
    public static async Task<DemoBackends> Start(int count)
    {
        var backends = new DemoBackends();
        try
        {
            for (var i = 1; i <= count; i++)
            {
                var app = DemoService.Create($"backend-{i}", 0);
                backends._apps.Add(app);
                await app.StartAsync();
                backends.Names[new Uri(app.Urls.Single()).Authority] = $"backend-{i}";
            }
            return backends;
        }
        catch
        {
            await backends.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
            await app.DisposeAsync();
    }
}
