using AkkaRouter.Configuration;
using AkkaRouter.Demo;
using AkkaRouter.Hosting;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace AkkaRouter.Cli;

/// <summary>The `akkarouter` command line: run, demo, help.</summary>
public static class CommandLine
{
    public const string Usage = """
        usage: akkarouter run [--config FILE ...]   start a node; each FILE is HOCON layered over the defaults (later wins)
               akkarouter demo                      start a local cluster: a router and three backends with tiny HTTP services
               akkarouter cmd [HOST:PORT] [command] run a command-palette command (default 127.0.0.1:9110); no command: interactive
               akkarouter help                      this text
        """;

    /// <summary>Runs the command and returns the process exit code.</summary>
    public static async Task<int> Run(string[] args)
    {
        try
        {
            return args.FirstOrDefault() switch
            {
                "run" => await RunNode(ParseConfigFiles(args.AsSpan(1))),
                "demo" when args.Length == 1 => await DemoCluster.Run(),
                "demo" => Fail("demo takes no arguments"),
                "cmd" => await CmdCommand.Run(args[1..]),
                "help" or "--help" or "-h" => PrintUsage(Console.Out, 0),
                null => PrintUsage(Console.Error, 2),
                var other => Fail($"unknown command '{other}'"),
            };
        }
        catch (ConfigurationError e)
        {
            Console.Error.WriteLine($"akkarouter: configuration error: {e.Message}");
            return 2;
        }
        catch (UsageError e)
        {
            return Fail(e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException or IOException)
        {
            Console.Error.WriteLine($"akkarouter: cannot start: {e.Message}");
            return 1;
        }
        catch (AggregateException e) when (StartFailure(e) is { } cause)
        {
            // Akka starts remoting inside the actor system's creation and reports a port it cannot bind (another
            // process holds it) as a RemoteTransportException wrapped in an AggregateException.
            Console.Error.WriteLine($"akkarouter: cannot start: {cause}");
            return 1;
        }
    }

    // The operator's reason among an AggregateException's causes: the remoting transport's or a socket's message.
    private static string? StartFailure(AggregateException e)
    {
        foreach (var inner in e.Flatten().InnerExceptions)
        {
            if (inner is Akka.Remote.RemoteTransportException or System.Net.Sockets.SocketException or InvalidOperationException)
                return inner.InnerException is { } deeper && deeper.Message.Length > 0 && !inner.Message.Contains(deeper.Message, StringComparison.Ordinal)
                    ? $"{inner.Message} ({deeper.Message})"
                    : inner.Message;
        }
        return null;
    }

    private static async Task<int> RunNode(IReadOnlyList<string> configFiles)
    {
        var config = RouterConfig.Load(configFiles);
        var settings = RouterSettingsReader.Read(config);
        Log.Logger = SerilogSetup.Create(settings.Logging);
        var (runtime, advise) = RuntimeTuning.DescribeGarbageCollector();
        if (advise)
            Log.Warning("{Runtime}", runtime);
        else
            Log.Information("{Runtime}", runtime);
        try
        {
            using var host = RouterNode.CreateHost(config, settings);
            return await RouterNode.Run(host);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static List<string> ParseConfigFiles(ReadOnlySpan<string> args)
    {
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-c" && i + 1 < args.Length)
                files.Add(args[++i]);
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
                files.Add(args[i]["--config=".Length..]);
            else
                throw new UsageError($"unexpected argument '{args[i]}' for 'run'");
        }
        return files;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"akkarouter: {message}");
        return PrintUsage(Console.Error, 2);
    }

    private static int PrintUsage(TextWriter writer, int exitCode)
    {
        writer.WriteLine(Usage);
        return exitCode;
    }

    private sealed class UsageError(string message) : Exception(message);
}
