namespace AkkaRouter.Fuzz;

/// <summary>Runs saved inputs through a target without afl-fuzz: crash reproduction and the corpus check.</summary>
internal static class Replay
{
    public static int Run(string name, Action<byte[]> target, IEnumerable<string> paths)
    {
        var files = paths
            .SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != "README.txt")
            .Order(StringComparer.Ordinal)
            .ToList();
        var crashes = 0;
        foreach (var file in files)
        {
            try
            {
                target(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                crashes++;
                Console.WriteLine($"CRASH {name} {file}: {e.GetType().FullName}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }

        Console.WriteLine($"replay {name}: {files.Count} inputs, {crashes} crashes");
        return crashes == 0 ? 0 : 1;
    }
}
