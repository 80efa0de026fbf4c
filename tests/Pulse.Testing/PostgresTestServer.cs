namespace Pulse.Testing;

/// <summary>
/// The shared PostgreSQL server of the test run, named by the environment variable
/// <see cref="EnvironmentVariable"/> as an Npgsql connection string whose user may create databases, e.g.
/// <c>Host=127.0.0.1;Port=5432;Username=pulse;Password=pulse;Database=pulse</c> (.ci/run sets it). Unset,
/// PostgreSQL tests are skipped, except in CI (<c>CI=true</c>), where they fail.
/// </summary>
public static class PostgresTestServer
{
    public const string EnvironmentVariable = "PULSE_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;

    /// <summary>Why PostgreSQL tests are skipped, or null when they must run.</summary>
    public static string? SkipReason() =>
        ConnectionString is not null || ExternalTools.InCi
            ? null
            : $"Set {EnvironmentVariable} to an Npgsql connection string (a user that may create databases) to run the PostgreSQL tests; .ci/run does.";

    /// <summary>The connection string, or an exception that says how to provide it.</summary>
    public static string Require() => ConnectionString ?? throw new InvalidOperationException(
        $"{EnvironmentVariable} is not set. Set it to an Npgsql connection string for a user that may create databases "
        + "(e.g. Host=127.0.0.1;Port=5432;Username=pulse;Password=pulse;Database=pulse), or run .ci/run, which starts PostgreSQL and sets it.");
}
