using AkkaRouter.Fuzz;
using SharpFuzz;

// akkarouter-fuzz TARGET              run under afl-fuzz (fuzz.sh starts it so)
// akkarouter-fuzz TARGET --replay P…  run every file (or every file in each folder) once, in-process, and
//                                      print each input that crashes; exit 1 if any did
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: akkarouter-fuzz {{{string.Join('|', FuzzTargets.All.Keys)}}} [--replay FILE|DIR...]");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    return Replay.Run(args[0], target, args[2..]);
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
