namespace Pulse.Api.Data;

/// <summary>Settings of the <c>Database</c> section (documented in docs/configuration.md, "Database and API limits").</summary>
internal sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>Name of the connection string (<c>ConnectionStrings:Postgres</c>) used when <see cref="Provider"/> is Postgres.</summary>
    public const string PostgresConnectionStringName = "Postgres";

    /// <summary>Where the SQLite file goes when <c>Database:Sqlite:Path</c> is not set, relative to the content root.</summary>
    public const string DefaultSqlitePath = "data/pulse.db";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending schema migrations while the service starts (the <c>migrate</c> verb does it on demand).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// Longest a single database command may run for a request (PostgreSQL <c>Command Timeout</c>, SQLite busy
    /// timeout) unless the connection string sets its own. With the connect timeout it bounds how long a
    /// request waits for an unavailable database before it answers 503.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public SqliteSettings Sqlite { get; set; } = new();

    public PostgresSettings Postgres { get; set; } = new();
}

internal enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Settings of <c>Database:Sqlite</c>.</summary>
internal sealed class SqliteSettings
{
    /// <summary>The database file; a relative path is relative to the content root. Default <see cref="DatabaseOptions.DefaultSqlitePath"/>.</summary>
    public string? Path { get; set; }
}

/// <summary>
/// Settings of <c>Database:Postgres</c>: the discrete fields of an RDS-managed secret (host, port, username,
/// password, dbname), as ECS injects them one variable each. Each one that is set overrides the same part
/// of <c>ConnectionStrings:Postgres</c>.
/// </summary>
internal sealed class PostgresSettings
{
    public string? Host { get; set; }

    public int? Port { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? Dbname { get; set; }

    /// <summary>Longest wait to open a connection unless the connection string sets <c>Timeout</c>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
