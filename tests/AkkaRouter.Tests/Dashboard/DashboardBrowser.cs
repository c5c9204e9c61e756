using System.Globalization;
using Microsoft.Playwright;

namespace AkkaRouter.Tests.Dashboard;

/// <summary>
/// A real Chromium (the Debian package, /usr/bin/chromium), headless, driven with Playwright's .NET client. Playwright's
/// driver (node) ships inside its NuGet package; no browser is downloaded. Each page records its console errors and
/// uncaught script errors. Disposing closes the browser and then kills, by process id, any process of it still alive
/// (found by a marker switch on its command line, with their children), so a failed spec leaves no browser behind.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly string _marker;
    private readonly IPlaywright _playwright;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, string marker)
    {
        _playwright = playwright;
        Browser = browser;
        _marker = marker;
    }

    public IBrowser Browser { get; }

    public static async Task<DashboardBrowser> Start()
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: tests/run.sh installs the Debian package chromium");
        var marker = "--akkarouter-spec=" + Guid.NewGuid().ToString("N");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Executable,
                Headless = true,
                Timeout = 60_000,
                // As root (CI) Chromium's sandbox cannot start; /dev/shm may be small in containers.
                Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", marker],
            });
            return new DashboardBrowser(playwright, browser, marker);
        }
        catch
        {
            playwright.Dispose();
            KillMarked(marker);
            throw;
        }
    }

    /// <summary>A new page (own context) of the given size; its console and script errors are collected.</summary>
    public async Task<WatchedPage> Open(Uri address, int width, int height)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = address.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return new WatchedPage(context, page);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            // Killed below.
        }
        finally
        {
            _playwright.Dispose();
            KillMarked(_marker);
        }
    }

    // Processes whose command line carries the marker, and all their descendants, killed by id.
    private static void KillMarked(string marker)
    {
        var parents = new Dictionary<int, int>();
        var marked = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal))
                    marked.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }
        var doomed = new HashSet<int>(marked);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
                if (doomed.Contains(parent) && doomed.Add(pid))
                    grew = true;
        }
        foreach (var pid in doomed)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }
}

/// <summary>A page with its console errors and uncaught script errors, as they happened.</summary>
public sealed class WatchedPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    public WatchedPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => Add($"page error: {error}");
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
                return [.. _errors];
        }
    }

    private void Add(string error)
    {
        lock (_errors)
            _errors.Add(error);
    }

    /// <summary>Saves a PNG under artifacts/dashboard/ of the repository (kept by every run, pass or fail).</summary>
    public async Task Screenshot(string name, bool fullPage = true)
    {
        try
        {
            await Page.ScreenshotAsync(new() { Path = ArtifactPath(name), FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
        }
        catch (PlaywrightException)
        {
            // A screenshot is evidence, not a verdict: a broken page fails its spec on its own.
        }
    }

    public static string ArtifactPath(string name)
    {
        var directory = Path.Combine(Support.RepositoryRoot.Path, "artifacts", "dashboard");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name + ".png");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _context.CloseAsync();
        }
        catch (PlaywrightException)
        {
            // The browser is closed with its harness anyway.
        }
    }
}
