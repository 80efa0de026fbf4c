namespace Pulse.Testing;

/// <summary>The checkout the tests run from (the folder holding <c>Pulse.slnx</c>), for specs and scripts kept in it.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new System.IO.DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Pulse.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Pulse.slnx above {AppContext.BaseDirectory}.");
    });

    public static string Directory => Root.Value;

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);
}
