namespace AkkaRouter.Tests.Support;

/// <summary>The repository checkout the tests run from: the first folder above the test output holding AkkaRouter.sln.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Found = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AkkaRouter.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no AkkaRouter.sln above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository's root folder.</summary>
    public static string Path => Found.Value;
}
