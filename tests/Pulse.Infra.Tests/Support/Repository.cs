namespace Pulse.Infra.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The directory holding Pulse.slnx, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Pulse.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Pulse.slnx not found above {AppContext.BaseDirectory}.");
    }
}
