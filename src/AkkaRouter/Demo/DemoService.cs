using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.Demo;

/// <summary>A tiny HTTP service that answers every request with its own name and the request path.</summary>
public static class DemoService
{
    /// <summary>Builds (does not start) the service on 127.0.0.1:<paramref name="port"/>.</summary>
    public static WebApplication Create(string name, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync($"{name} {context.Request.Method} {context.Request.Path}{context.Request.QueryString}\n");
        });
        return app;
    }
}
