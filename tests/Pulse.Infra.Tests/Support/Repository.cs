using Pulse.Testing;

namespace Pulse.Infra.Tests.Support;

/// <summary>Paths in the repository the tests run from (see <see cref="RepositoryRoot"/>).</summary>
internal static class Repository
{
    /// <summary>The directory holding Pulse.slnx.</summary>
    public static string Root => RepositoryRoot.Directory;

    public static string Path(params string[] parts) => RepositoryRoot.Combine(parts);
}
