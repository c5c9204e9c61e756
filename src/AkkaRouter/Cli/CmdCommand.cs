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
        Console.CancelKeyPress += (_, e) => OnInterrupt(e, cancel);
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
        try
        {
            if (!PaletteCatalog.IsStreaming(string.Join(' ', command.Take(2))))
            {
                var text = await client.Receive(cancel);
                if (text is null)
                    return Fail("the command palette closed the connection");
                Console.Out.Write(text);
                return true;
            }
            return await Stream(client, cancel);
        }
        catch (PaletteClientError e)
        {
            WriteError(e.Message);
            return false;
        }
    }

    // Ctrl+C during a stream asks the palette to end it (it answers +OK) and returns to the prompt,
    // or ends a one-shot `akkarouter cmd ... tail` with exit code 0.
    private static async Task<bool> Stream(PaletteClient client, CancellationToken cancel)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _streamStop = stop;
        try
        {
            _ = stop.Task.ContinueWith(_ => client.StopStream(), TaskScheduler.Default);
            while (await client.ReceiveReply(cancel) is { } reply)
            {
                if (reply.IsStatus)
                    return true;
                Console.Out.Write(reply.Text);
                Console.Out.Flush();
            }
            return true;
        }
        finally
        {
            _streamStop = null;
        }
    }

    private static volatile TaskCompletionSource? _streamStop;

    private static void OnInterrupt(ConsoleCancelEventArgs e, CancellationTokenSource cancel)
    {
        e.Cancel = true;
        if (_streamStop is { } stop)
            stop.TrySetResult();
        else
            cancel.Cancel();
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
