namespace Pulse.Testing;

/// <summary>
/// Finds the programs some tests drive for real (promtool, prometheus, node exporter, PostgreSQL).
/// Outside CI a missing program skips those tests; with <c>CI=true</c> nothing is skipped, so a missing
/// program fails the test that needs it with a message naming the Debian package to install.
/// </summary>
public static class ExternalTools
{
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["promtool"] = "prometheus",
        ["prometheus"] = "prometheus",
        ["prometheus-node-exporter"] = "prometheus-node-exporter",
        ["wrk"] = "wrk",
        ["yamllint"] = "yamllint",
        ["pg_ctlcluster"] = "postgresql",
        ["node"] = "nodejs",
        ["npm"] = "npm",
    };

    /// <summary>True when running under CI (<c>CI=true</c>), where required tools must be present.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Full path of an executable on PATH, or null.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Full path of an executable; throws with installation advice when it is missing.</summary>
    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException(
            $"'{name}' is not on PATH. Install it with: apt-get install -y {Packages.GetValueOrDefault(name, name)} (or run .ci/run).");

    /// <summary>Why a test needing these tools is skipped, or null when it must run.</summary>
    public static string? SkipReason(params string[] tools)
    {
        if (InCi)
        {
            return null;
        }

        var missing = tools.Where(t => Find(t) is null).ToArray();
        return missing.Length == 0
            ? null
            : $"Needs {string.Join(", ", missing)} on PATH (apt-get install -y {string.Join(' ', missing.Select(m => Packages.GetValueOrDefault(m, m)).Distinct())}); runs in CI.";
    }
}

/// <summary>A fact that needs external programs: skipped locally when they are missing, never skipped in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresToolsFactAttribute : FactAttribute
{
    public RequiresToolsFactAttribute(params string[] tools)
    {
        Tools = tools;
        Skip = ExternalTools.SkipReason(tools);
    }

    public IReadOnlyList<string> Tools { get; }
}

/// <summary>A theory that needs external programs: skipped locally when they are missing, never skipped in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresToolsTheoryAttribute : TheoryAttribute
{
    public RequiresToolsTheoryAttribute(params string[] tools)
    {
        Tools = tools;
        Skip = ExternalTools.SkipReason(tools);
    }

    public IReadOnlyList<string> Tools { get; }
}
