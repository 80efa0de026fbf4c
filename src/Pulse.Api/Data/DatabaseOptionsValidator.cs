using Microsoft.Extensions.Options;

namespace Pulse.Api.Data;

/// <summary>Rejects database settings that cannot work, naming the setting, so start-up stops with a clear message.</summary>
internal sealed class DatabaseOptionsValidator(IConfiguration configuration) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add($"Database:Provider must be {DatabaseProvider.Sqlite} or {DatabaseProvider.Postgres}.");
        }

        if (options.CommandTimeout < TimeSpan.FromSeconds(1) || options.CommandTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Database:CommandTimeout must be between 00:00:01 and 00:10:00 (was {options.CommandTimeout}).");
        }

        if (options.Sqlite.Path is { } path && (path.Trim().Length == 0 || path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0))
        {
            failures.Add($"Database:Sqlite:Path must be a file path (was '{path}').");
        }

        var postgres = options.Postgres;
        if (postgres.Port is < 1 or > 65535)
        {
            failures.Add($"Database:Postgres:Port must be between 1 and 65535 (was {postgres.Port}).");
        }

        if (postgres.ConnectTimeout < TimeSpan.FromSeconds(1) || postgres.ConnectTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Database:Postgres:ConnectTimeout must be between 00:00:01 and 00:01:00 (was {postgres.ConnectTimeout}).");
        }

        if (options.Provider == DatabaseProvider.Postgres && failures.Count == 0)
        {
            ValidatePostgresTarget(options, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidatePostgresTarget(DatabaseOptions options, List<string> failures)
    {
        Npgsql.NpgsqlConnectionStringBuilder target;
        try
        {
            target = DatabaseTarget.PostgresConnectionString(options, configuration.GetConnectionString(DatabaseOptions.PostgresConnectionStringName));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            // The message of a malformed connection string can quote it, password included: name the setting only.
            failures.Add($"ConnectionStrings:{DatabaseOptions.PostgresConnectionStringName} is not a valid Npgsql connection string.");
            return;
        }

        if (string.IsNullOrWhiteSpace(target.Host))
        {
            failures.Add($"Database:Provider is Postgres but no server is set: set ConnectionStrings:{DatabaseOptions.PostgresConnectionStringName} or Database:Postgres:Host.");
        }

        if (string.IsNullOrWhiteSpace(target.Database))
        {
            failures.Add($"Database:Provider is Postgres but no database is named: set Database in ConnectionStrings:{DatabaseOptions.PostgresConnectionStringName} or Database:Postgres:Dbname.");
        }

        if (string.IsNullOrWhiteSpace(target.Username))
        {
            failures.Add($"Database:Provider is Postgres but no user is set: set Username in ConnectionStrings:{DatabaseOptions.PostgresConnectionStringName} or Database:Postgres:Username.");
        }
    }
}
