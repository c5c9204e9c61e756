using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// A bounded run of tests/AkkaRouter.Fuzz/fuzz.sh: every parser target fuzzed under AFL++ for a short while must
/// execute and find no crash (the long runs and their figures are in the README). This class runs alone, as every
/// class here does, so the fuzzer's load disturbs no timed scenario.
/// </summary>
public sealed partial class FuzzScriptSpecs(ITestOutputHelper output)
{
    private const int SecondsPerTarget = 25;

    private static readonly string[] Targets = ["resp", "inline", "palette", "settings"];

    [Fact(DisplayName = "fuzz.sh: each parser target runs under AFL++ for 25 s, executes inputs and finds no crash and no hang")]
    public async Task Bounded_fuzz_finds_no_crash()
    {
        var (exit, stdout) = await FuzzScript([SecondsPerTarget.ToString(), "--no-build"], TimeSpan.FromMinutes(8));

        foreach (var target in Targets)
        {
            // The script prints each line as the target ends and again in its closing summary.
            var line = Summary().Matches(stdout).LastOrDefault(m => m.Groups["target"].Value == target);
            Assert.True(line is not null, $"no summary line for target {target}:\n{stdout}");
            Assert.True(long.Parse(line.Groups["execs"].Value) > 0, $"{target} executed nothing: {line.Value}");
            Assert.True(line.Groups["crashes"].Value == "0", $"{target} crashed: {line.Value}\n{stdout}");
            Assert.True(line.Groups["stuck"].Value == "0", $"{target} hung: {line.Value}\n{stdout}");
        }
        Assert.Equal(0, exit);
    }

    private Task<(int Exit, string Stdout)> FuzzScript(string[] args, TimeSpan timeout)
    {
        var findings = Path.Combine(Path.GetTempPath(), "akkarouter-fuzz-" + Guid.NewGuid().ToString("N"));
        return Run("bash", [Path.Combine(AkkaRouter.Tests.Support.RepositoryRoot.Path, "tests", "AkkaRouter.Fuzz", "fuzz.sh"), .. args], timeout, findings);
    }

    // Runs a process to its end within the timeout (killing it past that); FUZZ_OUT, when given, is removed after.
    private async Task<(int Exit, string Stdout)> Run(string file, string[] args, TimeSpan timeout, string? fuzzOut = null)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (fuzzOut is not null)
            info.Environment["FUZZ_OUT"] = fuzzOut;
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', args)} still running after {timeout}:\n{await stdout}\n{await stderr}");
            }
            output.WriteLine(await stdout);
            output.WriteLine(await stderr);
            return (process.ExitCode, await stdout);
        }
        finally
        {
            if (fuzzOut is not null && Directory.Exists(fuzzOut))
                Directory.Delete(fuzzOut, recursive: true);
        }
    }

    [GeneratedRegex(@"^fuzz (?<target>\w+): (?<execs>\d+) executions in \d+ s, (?<crashes>\d+) crashes, \d+ hangs \((?<stuck>\d+) still running", RegexOptions.Multiline)]
    private static partial Regex Summary();
}
