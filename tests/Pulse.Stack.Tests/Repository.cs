using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>Files of the repository these tests check (see <see cref="RepositoryRoot"/>).</summary>
internal static class Repository
{
    public static string Root => RepositoryRoot.Directory;

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));
}
