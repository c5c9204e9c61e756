using System.Globalization;
using AkkaRouter.Palette;

namespace AkkaRouter.Cli;

/// <summary>`akkarouter cmd [HOST:PORT] [command ...]`: one command and exit, or an interactive prompt.</summary>
public static class CmdCommand
{
    public const string DefaultAddress = "127.0.0.1:9110";
    public const string PasswordVariable = "AKKAROUTER_CMD_PASSWORD";

    public static async Task<int> Run(string[] args)
    {
        var address = DefaultAddress;
        var rest = args.AsEnumerable();
        if (args.Length > 0 && LooksLikeAddress(args[0]))
        {
            address = args[0];
            rest = args.Skip(1);
        }
        var colon = address.LastIndexOf(':');
        var host = address[..colon];
        var port = int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture);
        var command = rest.ToArray();

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            using var client = await PaletteClient.Connect(host, port, cancel.Token);
            await Authenticate(client, cancel.Token);
            if (command.Length > 0)
                return await Execute(client, command, cancel.Token) ? 0 : 1;
            await Interactive(client, address, cancel);
            return 0;
        }
        catch (PaletteClientError e)
        {
            WriteError(e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (IOException e)
        {
            WriteError($"connection to {address} lost: {e.Message}");
            return 1;
        }
    }

    private static bool LooksLikeAddress(string arg)
    {
        var colon = arg.LastIndexOf(':');
        return colon > 0 && int.TryParse(arg.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535;
    }

    private static async Task Authenticate(PaletteClient client, CancellationToken cancel)
    {
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
            return;
        await client.Send(["AUTH", password], cancel);
        await client.Receive(cancel);
    }

    // Streams (`cluster tail`) print until Ctrl+C; everything else prints one answer.
    private static async Task<bool> Execute(PaletteClient client, IReadOnlyList<string> command, CancellationToken cancel)
    {
        await client.Send(command, cancel);
        var verb = string.Join(' ', command.Take(2)).ToLowerInvariant();
        var streaming = verb is "cluster tail" or "ring tail";
        try
        {
            do
            {
                var text = await client.Receive(cancel);
                if (text is null)
                    return !streaming ? Fail("the command palette closed the connection") : true;
                Console.Out.Write(text);
                Console.Out.Flush();
            }
            while (streaming);
            return true;
        }
        catch (PaletteClientError e)
        {
            WriteError(e.Message);
            return false;
        }
    }

    private static async Task Interactive(PaletteClient client, string address, CancellationTokenSource cancel)
    {
        var prompt = new LineEditor(PaletteCatalog.Names);
        Console.Out.WriteLine($"Connected to {address}. Type 'help' for commands, 'exit' to quit.");
        while (true)
        {
            var line = prompt.ReadLine($"akkarouter {address}> ");
            if (line is null || line.Trim() is "exit" or "quit")
                return;
            var words = LineEditor.Split(line);
            if (words.Count == 0)
                continue;
            using var perCommand = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
            await Execute(client, words, perCommand.Token);
            if (cancel.IsCancellationRequested)
                return;
        }
    }

    private static bool Fail(string message)
    {
        WriteError(message);
        return false;
    }

    private static void WriteError(string message)
    {
        var color = !Console.IsErrorRedirected;
        if (color) Console.Error.Write("\u001b[31m");
        Console.Error.Write($"akkarouter cmd: {message}");
        if (color) Console.Error.Write("\u001b[0m");
        Console.Error.WriteLine();
    }
}
