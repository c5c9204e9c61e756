using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using AkkaRouter.Ring;
using AkkaRouter.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaRouter.Management;

/// <summary>
/// POST /api/backends/{id}/drain, POST /api/backends/{id}/undrain, PUT /api/backends/{id}/weight (?value=W or the
/// body): the palette's `ring drain|undrain|weight` over HTTP. With akka-router.management.token set they need
/// `Authorization: Bearer TOKEN`.
/// </summary>
public static class BackendOverrideEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ActorSystem system, string token)
    {
        var source = "management API on " + Akka.Cluster.Cluster.Get(system).SelfAddress;
        app.MapPost("/api/backends/{id}/drain", (string id, HttpContext context) =>
            Run(system, token, context, new DrainBackend(id, source)));
        app.MapPost("/api/backends/{id}/undrain", (string id, HttpContext context) =>
            Run(system, token, context, new UndrainBackend(id, source)));
        app.MapPut("/api/backends/{id}/weight", async (string id, HttpContext context) =>
        {
            if (!Authorized(context, token))
                return Unauthorized(context);
            var text = context.Request.Query["value"].ToString();
            if (text.Length == 0)
            {
                using var body = new StreamReader(context.Request.Body, Encoding.UTF8);
                text = (await body.ReadToEndAsync(context.RequestAborted)).Trim();
            }
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !double.IsFinite(weight)
                || weight < 0 || weight > RingSnapshot.MaxWeight)
                return Results.Text($"weight must be a number from 0 to {RingSnapshot.MaxWeight} (?value=W or the request body)\n", statusCode: 400);
            return await Run(system, token, context, new SetBackendWeight(id, weight, source));
        });
    }

    private static async Task<IResult> Run(ActorSystem system, string token, HttpContext context, OverrideCommand command)
    {
        if (!Authorized(context, token))
            return Unauthorized(context);
        var overrides = ActorRegistry.For(system).Get<BackendOverridesActor>();
        var result = await overrides.Ask<OverrideResult>(command, TimeSpan.FromSeconds(15), context.RequestAborted);
        return Results.Text(result.Message + "\n", statusCode: result.Applied ? 200 : 404);
    }

    // A 401 must carry a challenge (RFC 9110, section 15.5.2); clients and proxies rely on it to know which scheme to use.
    private static IResult Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"akkarouter\"";
        return Results.Text("missing or wrong bearer token (akka-router.management.token)\n", statusCode: 401);
    }

    // Constant time, so the comparison does not tell an attacker how much of a guess was right.
    private static bool Authorized(HttpContext context, string token)
    {
        if (token.Length == 0)
            return true;
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}
