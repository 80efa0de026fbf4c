namespace Pulse.Stack.Tests;

/// <summary>Files of the repository these tests check, found from the test binary's location.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pulse.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Pulse.slnx above {AppContext.BaseDirectory}.");
    }
}
