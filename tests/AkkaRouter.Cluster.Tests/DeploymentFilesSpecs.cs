using System.Collections;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaRouter.Cluster.Tests.Harness;
using AkkaRouter.Configuration;
using RawRespClient = AkkaRouter.Tests.Support.RawRespClient;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// docker/docker-compose.yml and docker/Dockerfile, checked without a Docker engine: the compose file
/// is validated by docker-compose itself, and every akkarouter service's configuration (the shipped
/// HOCON file it names plus its environment, as the image sets it) is read by the node's own
/// configuration reader, so a typo in a key or a file name fails here, not at `docker compose up`.
/// The monitoring files (docker/prometheus/prometheus.yml, docker/grafana/...) are checked by promtool,
/// against the compose file, and against the /metrics output of real nodes.
/// </summary>
public sealed class DeploymentFilesSpecs(ITestOutputHelper output)
{
    private static readonly string Root = AkkaRouter.Tests.Support.RepositoryRoot.Path;
    private static readonly string ComposeFile = Path.Combine(Root, "docker", "docker-compose.yml");
    private static readonly string PrometheusFile = Path.Combine(Root, "docker", "prometheus", "prometheus.yml");
    private static readonly string DatasourceFile = Path.Combine(Root, "docker", "grafana", "provisioning", "datasources", "prometheus.yml");
    private static readonly string DashboardProviderFile = Path.Combine(Root, "docker", "grafana", "provisioning", "dashboards", "akkarouter.yml");
    private static readonly string DashboardFile = Path.Combine(Root, "docker", "grafana", "dashboards", "akkarouter.json");

    /// <summary>The akkarouter services of the compose file: the shipped HOCON file each runs, its role and advertised endpoint.</summary>
    private static readonly Dictionary<string, (string File, string Role, string? Endpoint)> NodeServices = new()
    {
        ["router-1"] = ("seed-router.conf", "router", null),
        ["router-2"] = ("router.conf", "router", null),
        ["backend-1-sidecar"] = ("backend-sidecar.conf", "backend", "backend-1:80"),
        ["backend-2-sidecar"] = ("backend-sidecar.conf", "backend", "backend-2:80"),
        ["backend-3-sidecar"] = ("backend-sidecar.conf", "backend", "backend-3:80"),
    };

    [Fact(DisplayName = "docker-compose config accepts docker/docker-compose.yml: two routers, three backends with sidecars, the nginx front, Prometheus and Grafana")]
    public async Task Compose_file_is_valid()
    {
        var services = (await Compose("config", "--services")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
        Assert.Equal(new[] { "backend-1", "backend-1-sidecar", "backend-2", "backend-2-sidecar", "backend-3", "backend-3-sidecar",
            "front", "grafana", "prometheus", "router-1", "router-2" }, services);
        foreach (var mounted in new[] { "docker/nginx/akkarouter.conf", "docker/nginx/akkarouter.lua", "docker/backend-service/default.conf",
                     "docker/prometheus/prometheus.yml", "docker/grafana/provisioning/datasources/prometheus.yml",
                     "docker/grafana/provisioning/dashboards/akkarouter.yml", "docker/grafana/dashboards/akkarouter.json" })
            Assert.True(File.Exists(Path.Combine(Root, mounted)), $"{mounted} is mounted by the compose file but does not exist");
    }

    [Fact(DisplayName = "Every akkarouter service in docker-compose.yml names a shipped HOCON file and reads as a valid node configuration")]
    public async Task Compose_node_configurations_are_valid()
    {
        using var config = JsonDocument.Parse(await ComposeConfigAsJson());
        foreach (var (name, (file, role, endpoint)) in NodeServices)
        {
            var service = config.RootElement.GetProperty("services").GetProperty(name);
            var command = service.GetProperty("command").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(["run", "--config", $"/app/hocon/{file}"], command);

            var settings = NodeSettings(service, file);
            Assert.Contains(role, settings.Roles);
            Assert.Equal(["akka.tcp://akkarouter@router-1:4053"], settings.SeedNodes);
            Assert.Equal(endpoint, settings.Advertised?.Endpoint);
            Assert.Equal("0.0.0.0", settings.Remote.Hostname);
            Assert.Equal(name.Replace("-sidecar", ""), settings.Remote.PublicHostname);
            Assert.Equal("0.0.0.0", settings.Resp.Listener.Host);
            output.WriteLine($"{name}: hocon/{file} + environment -> roles [{string.Join(",", settings.Roles)}], endpoint {endpoint ?? "-"}");
        }
    }

    [Fact(DisplayName = "docker-compose.remote-tls.yml with docker/certs/issue.sh: every node mounts only its own certificate directory and reads as a remote-TLS member seeded at akka.ssl.tcp://akkarouter@router-1:4053")]
    public async Task Remote_tls_override_is_valid()
    {
        var certificates = Directory.CreateTempSubdirectory("akkarouter-compose-certs-").FullName;
        try
        {
            await Run("bash", null, Path.Combine(Root, "docker", "certs", "issue.sh"), certificates);
            Assert.False(File.Exists(Path.Combine(certificates, "router-1", "ca.key")), "the CA's key must not be in a node's directory");
            var yaml = await Run("docker-compose", null, "-f", ComposeFile, "-f", Path.Combine(Root, "docker", "docker-compose.remote-tls.yml"), "config");
            using var config = JsonDocument.Parse(await Run("python3", yaml, "-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"));
            foreach (var (name, (file, role, _)) in NodeServices)
            {
                var service = config.RootElement.GetProperty("services").GetProperty(name);
                var mounts = Mounts(service);
                Assert.Equal(Path.Combine(Root, "docker", "certs", "out", name), mounts["/app/certs"]);
                // Read the node's configuration with its mount resolved to the directory issue.sh just wrote.
                var environment = service.GetProperty("environment").EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString()!);
                foreach (var key in environment.Keys.Where(k => environment[k].StartsWith("/app/certs/", StringComparison.Ordinal)).ToList())
                    environment[key] = environment[key].Replace("/app/certs", Path.Combine(certificates, name));
                var settings = NodeSettings(environment, file);
                Assert.Contains(role, settings.Roles);
                Assert.True(settings.RemotingTls.Enabled);
                Assert.Equal(["akka.ssl.tcp://akkarouter@router-1:4053"], settings.SeedNodes);
                output.WriteLine($"{name}: remote TLS with {settings.RemotingTls.Certificate}");
            }
        }
        finally
        {
            Directory.Delete(certificates, recursive: true);
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

    [Fact(DisplayName = "promtool check config accepts docker/prometheus/prometheus.yml, and it scrapes every akkarouter node of the compose file on its management port, every 5 s")]
    public async Task Prometheus_configuration_is_valid()
    {
        output.WriteLine(await Run("promtool", null, "check", "config", PrometheusFile));

        using var compose = JsonDocument.Parse(await ComposeConfigAsJson());
        var services = compose.RootElement.GetProperty("services");
        // Where each node's management listener is reachable from the prometheus container: its own service
        // name, or, for a sidecar in a service's network namespace (network_mode: service:backend-N), that service's.
        var reachable = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, (file, _, _)) in NodeServices)
        {
            var service = services.GetProperty(name);
            var host = service.TryGetProperty("network_mode", out var mode) && mode.GetString() is { } m && m.StartsWith("service:", StringComparison.Ordinal)
                ? m["service:".Length..] : name;
            Assert.True(services.TryGetProperty(host, out _), $"{name} is reached as {host}, which is not a service of the compose file");
            var management = NodeSettings(service, file).Management.Listener;
            Assert.True(management.Enabled, $"{name} serves no management HTTP, so no /metrics");
            Assert.Equal("0.0.0.0", management.Host);
            reachable[$"{host}:{management.Port}"] = name;
        }

        using var prometheus = JsonDocument.Parse(await YamlFileAsJson(PrometheusFile));
        var jobs = prometheus.RootElement.GetProperty("scrape_configs").EnumerateArray().ToArray();
        var job = Assert.Single(jobs);
        Assert.Equal("/metrics", job.GetProperty("metrics_path").GetString());
        Assert.Equal("5s", job.TryGetProperty("scrape_interval", out var interval) ? interval.GetString()
            : prometheus.RootElement.GetProperty("global").GetProperty("scrape_interval").GetString());
        var targets = job.GetProperty("static_configs").EnumerateArray()
            .SelectMany(c => c.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!)).ToArray();
        foreach (var target in targets)
            Assert.True(reachable.ContainsKey(target), $"prometheus.yml scrapes {target}, which is no akkarouter node's management listener in the compose file ({string.Join(", ", reachable.Keys)})");
        Assert.Equal(reachable.Keys.Order(), targets.Order());
        Assert.Equal(targets.Length, targets.Distinct().Count());
        output.WriteLine($"scrape targets: {string.Join(", ", targets.Select(t => $"{t} ({reachable[t]})"))}");

        Assert.True(services.TryGetProperty("prometheus", out var prometheusService), "no prometheus service");
        Assert.Equal(PrometheusFile, Mounts(prometheusService).GetValueOrDefault("/etc/prometheus/prometheus.yml"));
    }

    [Fact(DisplayName = "The Grafana dashboard is provisionable: a uid and title, unique panel ids, every panel and query on the provisioned Prometheus data source, every query valid PromQL")]
    public async Task Dashboard_is_provisionable()
    {
        using var compose = JsonDocument.Parse(await ComposeConfigAsJson());
        var grafana = compose.RootElement.GetProperty("services").GetProperty("grafana");
        var mounts = Mounts(grafana);
        Assert.Equal(Path.Combine(Root, "docker", "grafana", "provisioning"), mounts["/etc/grafana/provisioning"]);

        using var datasources = JsonDocument.Parse(await YamlFileAsJson(DatasourceFile));
        var datasource = Assert.Single(datasources.RootElement.GetProperty("datasources").EnumerateArray());
        Assert.Equal("prometheus", datasource.GetProperty("type").GetString());
        Assert.Equal("http://prometheus:9090", datasource.GetProperty("url").GetString());
        Assert.True(compose.RootElement.GetProperty("services").TryGetProperty("prometheus", out _), "the data source's host, prometheus, is no compose service");
        var uid = datasource.GetProperty("uid").GetString();
        Assert.False(string.IsNullOrEmpty(uid), "the provisioned data source has no uid for the dashboard to refer to");

        using var providers = JsonDocument.Parse(await YamlFileAsJson(DashboardProviderFile));
        var provider = Assert.Single(providers.RootElement.GetProperty("providers").EnumerateArray());
        Assert.Equal("file", provider.GetProperty("type").GetString());
        var path = provider.GetProperty("options").GetProperty("path").GetString()!;
        Assert.True(mounts.TryGetValue(path, out var source), $"the dashboard provider reads {path}, which the grafana service does not mount");
        Assert.Equal(Path.GetDirectoryName(DashboardFile), source);

        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var root = dashboard.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("uid").GetString()), "the dashboard has no uid");
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()), "the dashboard has no title");
        Assert.InRange(root.GetProperty("schemaVersion").GetInt32(), 36, 41);
        var panels = Panels(root).ToArray();
        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToArray();
        Assert.True(ids.Length == ids.Distinct().Count(), $"panel ids repeat: {string.Join(", ", ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key))}");
        foreach (var panel in panels.Where(p => p.GetProperty("type").GetString() != "row"))
        {
            var title = panel.GetProperty("title").GetString();
            Assert.True(panel.TryGetProperty("gridPos", out _), $"panel '{title}' has no gridPos");
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToArray();
            Assert.True(targets.Length > 0, $"panel '{title}' has no query");
            foreach (var target in targets)
            {
                Assert.Equal(uid, target.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("expr").GetString()), $"panel '{title}' has an empty query");
            }
        }
        foreach (var variable in root.GetProperty("templating").GetProperty("list").EnumerateArray())
            Assert.Equal(uid, variable.GetProperty("datasource").GetProperty("uid").GetString());

        // promtool checks every query's PromQL as a recording rule, Grafana's variables replaced by what Grafana would put there.
        var rules = Queries(root).Select((q, i) => new Dictionary<string, string> { ["record"] = $"dashboard:query_{i}", ["expr"] = Substituted(q.Expr) }).ToArray();
        foreach (var rule in rules)
            Assert.DoesNotContain("$", rule["expr"]);
        var file = Path.Combine(Path.GetTempPath(), $"akkarouter-dashboard-{Guid.NewGuid():N}.rules.yml");
        try
        {
            // JSON is YAML: promtool reads the rule file as written.
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { groups = new[] { new { name = "dashboard", rules } } }));
            output.WriteLine(await Run("promtool", null, "check", "rules", file));
        }
        finally
        {
            File.Delete(file);
        }
        output.WriteLine($"{panels.Length} panels, {rules.Length} queries on data source {uid}");
    }

    /// <summary>
    /// Families whose series appear only on an event this spec does not cause: a spill needs a backend over its
    /// bounded load (akka-router.http.balance-factor, off by default). For these the family's # TYPE line, which
    /// the node writes from start-up, is what the spec asks for.
    /// </summary>
    private static readonly HashSet<string> EventOnlyFamilies = new(StringComparer.Ordinal) { "akkarouter_http_spills_total" };

    /// <summary>Series Prometheus itself adds to every target (the dashboard counts the nodes scraped with `up`).</summary>
    private static readonly HashSet<string> ScrapeSeries = new(StringComparer.Ordinal) { "up" };

    [Fact(DisplayName = "Every metric the Grafana dashboard queries is in the /metrics output of real nodes (a router and backend sidecars, after RESP lookups, HTTP edge requests, a retry and a failed health check)")]
    public async Task Dashboard_queries_name_real_metrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var used = Queries(dashboard.RootElement).SelectMany(q => MetricNames(q.Expr).Select(m => (Metric: m, q.Panel))).ToArray();
        Assert.NotEmpty(used);

        var services = new List<BackendService>();
        await using var cluster = new ClusterHarness();
        try
        {
            await cluster.Run(output, async () =>
            {
                var router = cluster.StartSeedRouter("router-1");
                await router.WaitUntilUp(ClusterHarness.StartTimeout);
                for (var i = 1; i <= 2; i++)
                {
                    var service = await BackendService.Start($"backend-{i}");
                    services.Add(service);
                    cluster.StartBackend($"backend-{i}", service.Endpoint);
                }
                await Task.WhenAll(cluster.Nodes.Select(n => n.WaitUntilUp(ClusterHarness.StartTimeout)));
                await cluster.WaitForAgreement(2, ClusterHarness.StartTimeout);
                await Eventually.True(() => cluster.Nodes.All(n => n.ManagementPort != 0), ClusterHarness.StartTimeout, "management ports bound");

                // RESP: lookups on one connection, one read batch each (the batch histogram times one batch in 16), and an unknown command.
                var keys = Enumerable.Range(0, 64).Select(i => $"/documents/{i}").ToArray();
                var owners = new Dictionary<string, string>(StringComparer.Ordinal);
                await using (var resp = await RawRespClient.Connect(router.RespPort))
                {
                    foreach (var key in keys)
                        owners[key] = Assert.IsType<string>(await resp.Command("GET", key));
                    Assert.IsType<AkkaRouter.Tests.Support.RespErrorReply>(await resp.Command("NO.SUCH.COMMAND"));
                }

                // HTTP edge: requests answered, then a request whose owner's service is down: one retry, a failed health check.
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{router.HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
                foreach (var key in keys.Take(8))
                    (await http.GetAsync(key)).EnsureSuccessStatusCode();
                var down = services[1];
                var orphan = keys.First(k => owners[k] == down.Endpoint);
                await down.Crash();
                (await http.GetAsync(orphan)).EnsureSuccessStatusCode();
                await Eventually.True(async () =>
                    (await Scrape(cluster.Nodes)).Samples.Contains("akkarouter_health_check_failures_total"),
                    TimeSpan.FromSeconds(30), "a failed health check counted");

                var (declared, samples) = await Scrape(cluster.Nodes);
                output.WriteLine($"/metrics of {string.Join(", ", cluster.Nodes.Select(n => n.Name))}: {declared.Count} families, {samples.Count} with samples");
                var missing = new List<string>();
                foreach (var (series, panel) in used.Distinct())
                {
                    var metric = Family(series, declared);
                    var found = ScrapeSeries.Contains(metric)
                        || samples.Contains(metric)
                        || (EventOnlyFamilies.Contains(metric) && declared.ContainsKey(metric));
                    if (!found)
                        missing.Add($"{series} (panel '{panel}'){(declared.ContainsKey(metric) ? ": declared, but no series" : "")}");
                }
                Assert.True(missing.Count == 0, $"the dashboard queries metrics no node exports:\n  {string.Join("\n  ", missing)}");
                output.WriteLine($"the dashboard's {used.Select(u => u.Metric).Distinct().Count()} metrics: {string.Join(", ", used.Select(u => u.Metric).Distinct().Order())}");
            });
        }
        finally
        {
            foreach (var service in services)
                await service.DisposeAsync();
        }
    }

    /// <summary>
    /// Every node's /metrics: the declared families (# TYPE) and the families with at least one sample, a
    /// histogram's _bucket, _sum and _count series counted under the histogram's name.
    /// </summary>
    private static async Task<(Dictionary<string, string> Declared, HashSet<string> Samples)> Scrape(IEnumerable<ClusterNode> nodes)
    {
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new HashSet<string>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var node in nodes.Where(n => !n.HasExited && n.ManagementPort != 0))
        {
            var text = await http.GetStringAsync($"http://127.0.0.1:{node.ManagementPort}/metrics");
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ');
                declared[parts[2]] = parts[3];
            }
            foreach (var line in lines.Where(l => !l.StartsWith('#')))
                samples.Add(Family(line[..line.IndexOfAny(['{', ' '])], declared));
        }
        return (declared, samples);
    }

    /// <summary>The family a series belongs to: a histogram's for its _bucket, _sum and _count series, else the series' own name.</summary>
    private static string Family(string series, IReadOnlyDictionary<string, string> declared)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal) && declared.GetValueOrDefault(series[..^suffix.Length]) == "histogram")
                return series[..^suffix.Length];
        }
        return series;
    }

    private static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            // A collapsed row holds its panels.
            if (panel.TryGetProperty("panels", out var nested))
                foreach (var inner in nested.EnumerateArray())
                    yield return inner;
        }
    }

    private static IEnumerable<(string Panel, string Expr)> Queries(JsonElement dashboard) =>
        Panels(dashboard)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)))
            .Concat(dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
                .Where(v => v.GetProperty("type").GetString() == "query")
                .Select(v => ($"variable {v.GetProperty("name").GetString()}", LabelValuesSelector(v.GetProperty("definition").GetString()!))));

    // label_values(selector, label) is Grafana's, not PromQL: its selector is the query.
    private static string LabelValuesSelector(string definition)
    {
        var match = Regex.Match(definition, @"^label_values\((.*),\s*\w+\)$");
        return match.Success ? match.Groups[1].Value : definition;
    }

    /// <summary>A query with Grafana's variables replaced by values of the kind Grafana puts there.</summary>
    private static string Substituted(string expr) => expr
        .Replace("$__rate_interval", "20s").Replace("$__interval", "5s").Replace("$__range", "30m").Replace("$node", "router-1");

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal) { "and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN" };

    /// <summary>The metric names a PromQL expression selects: identifiers outside strings, label matchers, ranges and grouping clauses that are not function calls.</summary>
    private static IEnumerable<string> MetricNames(string expr)
    {
        var text = Regex.Replace(expr, "\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
        text = Regex.Replace(text, @"\{[^}]*\}", " ");
        text = Regex.Replace(text, @"\[[^\]]*\]", " ");
        text = Regex.Replace(text, @"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ");
        return Regex.Matches(text, @"(?<![\w$.:])[A-Za-z_:][\w:]*\b(?!\s*\()")
            .Select(m => m.Value).Where(n => !PromQlWords.Contains(n)).Distinct();
    }

    private static RouterSettings NodeSettings(JsonElement service, string file) =>
        NodeSettings(service.GetProperty("environment").EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString()!), file);

    private static RouterSettings NodeSettings(IReadOnlyDictionary<string, string> serviceEnvironment, string file)
    {
        var environment = new Hashtable();
        foreach (var (key, value) in DockerfileEnvironment())
            environment[key] = value;
        foreach (var (key, value) in serviceEnvironment)
            environment[key] = value;
        return RouterSettingsReader.Read(RouterConfig.Load([Path.Combine(Root, "hocon", file)], environment));
    }

    /// <summary>A service's bind mounts as `docker-compose config` writes them (source:target[:mode]), target → source.</summary>
    private static Dictionary<string, string> Mounts(JsonElement service) =>
        service.GetProperty("volumes").EnumerateArray().Select(v => v.GetString()!.Split(':'))
            .ToDictionary(parts => parts[1], parts => parts[0], StringComparer.Ordinal);

    private static Task<string> YamlFileAsJson(string path) =>
        Run("python3", File.ReadAllText(path), "-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)");

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
            var package = tool == "promtool" ? "prometheus" : tool == "python3" ? "python3-yaml" : tool;
            throw new InvalidOperationException($"{tool} is not installed (tests/run.sh installs it: apt-get install {package}): {e.Message}", e);
        }
        using (process)
        {
            AkkaRouter.Tests.Support.ChildProcesses.Track(process);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
                await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} {string.Join(' ', args)} still running after 60 s");
            }
            finally
            {
                AkkaRouter.Tests.Support.ChildProcesses.Forget(process);
            }
            Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stderr}");
            return await stdout;
        }
    }
}
