using System.Collections;
using System.Diagnostics;
using System.Text.Json;
using AkkaRouter.Configuration;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// docker/docker-compose.yml and docker/Dockerfile, checked without a Docker engine: the compose file
/// is validated by docker-compose itself, and every akkarouter service's configuration (the shipped
/// HOCON file it names plus its environment, as the image sets it) is read by the node's own
/// configuration reader, so a typo in a key or a file name fails here, not at `docker compose up`.
/// </summary>
public sealed class DeploymentFilesSpecs(ITestOutputHelper output)
{
    private static readonly string Root = FindRoot();
    private static readonly string ComposeFile = Path.Combine(Root, "docker", "docker-compose.yml");

    [Fact(DisplayName = "docker-compose config accepts docker/docker-compose.yml: two routers, three backends with sidecars, the nginx front")]
    public async Task Compose_file_is_valid()
    {
        var services = (await Compose("config", "--services")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
        Assert.Equal(new[] { "backend-1", "backend-1-sidecar", "backend-2", "backend-2-sidecar", "backend-3", "backend-3-sidecar",
            "front", "router-1", "router-2" }, services);
        foreach (var mounted in new[] { "docker/nginx/akkarouter.conf", "docker/nginx/akkarouter.lua", "docker/backend-service/default.conf" })
            Assert.True(File.Exists(Path.Combine(Root, mounted)), $"{mounted} is mounted by the compose file but does not exist");
    }

    [Fact(DisplayName = "Every akkarouter service in docker-compose.yml names a shipped HOCON file and reads as a valid node configuration")]
    public async Task Compose_node_configurations_are_valid()
    {
        using var config = JsonDocument.Parse(await ComposeConfigAsJson());
        var imageEnvironment = DockerfileEnvironment();
        var expected = new Dictionary<string, (string File, string Role, string? Endpoint)>
        {
            ["router-1"] = ("seed-router.conf", "router", null),
            ["router-2"] = ("router.conf", "router", null),
            ["backend-1-sidecar"] = ("backend-sidecar.conf", "backend", "backend-1:80"),
            ["backend-2-sidecar"] = ("backend-sidecar.conf", "backend", "backend-2:80"),
            ["backend-3-sidecar"] = ("backend-sidecar.conf", "backend", "backend-3:80"),
        };
        foreach (var (name, (file, role, endpoint)) in expected)
        {
            var service = config.RootElement.GetProperty("services").GetProperty(name);
            var command = service.GetProperty("command").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(["run", "--config", $"/app/hocon/{file}"], command);

            var environment = new Hashtable();
            foreach (var (key, value) in imageEnvironment)
                environment[key] = value;
            foreach (var variable in service.GetProperty("environment").EnumerateObject())
                environment[variable.Name] = variable.Value.GetString();
            var settings = RouterSettingsReader.Read(RouterConfig.Load([Path.Combine(Root, "hocon", file)], environment));

            Assert.Contains(role, settings.Roles);
            Assert.Equal(["akka.tcp://akkarouter@router-1:4053"], settings.SeedNodes);
            Assert.Equal(endpoint, settings.Advertised?.Endpoint);
            Assert.Equal("0.0.0.0", settings.Remote.Hostname);
            Assert.Equal(name.Replace("-sidecar", ""), settings.Remote.PublicHostname);
            Assert.Equal("0.0.0.0", settings.Resp.Listener.Host);
            output.WriteLine($"{name}: hocon/{file} + environment -> roles [{string.Join(",", settings.Roles)}], endpoint {endpoint ?? "-"}");
        }
    }

    [Fact(DisplayName = "The Dockerfile publishes src/AkkaRouter, runs as non-root, checks /health/ready and exposes the contract ports")]
    public void Dockerfile_follows_the_contract()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "docker", "Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile);
        Assert.Contains("dotnet publish src/AkkaRouter -c Release", dockerfile);
        Assert.Contains("USER $APP_UID", dockerfile);
        Assert.Contains("http://127.0.0.1:8558/health/ready", dockerfile);
        Assert.Contains("EXPOSE 4053 6380 8080 9110 8558", dockerfile);
        foreach (var copied in new[] { "Directory.Build.props", "Directory.Packages.props", "src/AkkaRouter/AkkaRouter.csproj", "hocon" })
            Assert.True(Path.Exists(Path.Combine(Root, copied)), $"the Dockerfile copies {copied}, which does not exist");
    }

    private static Dictionary<string, string> DockerfileEnvironment()
    {
        // The image's ENV lines (KEY=value, continued with '\').
        var text = File.ReadAllText(Path.Combine(Root, "docker", "Dockerfile")).Replace("\\\n", " ");
        return text.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => l[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
    }

    private static async Task<string> ComposeConfigAsJson()
    {
        var yaml = await Compose("config");
        // docker-compose is Python with PyYAML: let it turn its own normalised output into JSON.
        return await Run("python3", yaml, "-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)");
    }

    private static Task<string> Compose(params string[] args) => Run("docker-compose", null, ["-f", ComposeFile, .. args]);

    private static async Task<string> Run(string tool, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed (tests/run.sh installs it: apt-get install docker-compose): {e.Message}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
                await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(cts.Token);
            Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stderr}");
            return await stdout;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRouter.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"AkkaRouter.sln not found above {AppContext.BaseDirectory}");
    }
}
