using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Pulse.Api.Data;

/// <summary>The database the service talks to, resolved once from <see cref="DatabaseOptions"/> and <c>ConnectionStrings:Postgres</c>.</summary>
internal sealed partial class DatabaseTarget
{
    private DatabaseTarget(DatabaseProvider provider, string connectionString, string description)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Description = description;
    }

    public DatabaseProvider Provider { get; }

    /// <summary>Full connection string, password included: never log it; log <see cref="Description"/>.</summary>
    public string ConnectionString { get; }

    /// <summary>Where the data lives, without credentials.</summary>
    public string Description { get; }

    public static DatabaseTarget Resolve(DatabaseOptions options, IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        if (options.Provider == DatabaseProvider.Postgres)
        {
            var builder = PostgresConnectionString(options, configuration.GetConnectionString(DatabaseOptions.PostgresConnectionStringName));
            return new DatabaseTarget(
                DatabaseProvider.Postgres,
                builder.ConnectionString,
                $"PostgreSQL database '{builder.Database}' on {builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)}");
        }

        var path = SqlitePath(options, environment, logger);
        var sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds),
        };
        return new DatabaseTarget(DatabaseProvider.Sqlite, sqlite.ConnectionString, $"SQLite file {path}");
    }

    /// <summary>
    /// <c>ConnectionStrings:Postgres</c> with each <c>Database:Postgres:*</c> field that is set laid over it, and
    /// short timeouts unless the connection string chose its own: an unreachable server must turn into a
    /// 503 within seconds, not after Npgsql's defaults (15 s to connect, 30 s per command).
    /// </summary>
    public static NpgsqlConnectionStringBuilder PostgresConnectionString(DatabaseOptions options, string? connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString ?? string.Empty);
        var fields = options.Postgres;
        if (!string.IsNullOrWhiteSpace(fields.Host))
        {
            builder.Host = fields.Host;
        }

        if (fields.Port is { } port)
        {
            builder.Port = port;
        }

        if (!string.IsNullOrWhiteSpace(fields.Username))
        {
            builder.Username = fields.Username;
        }

        if (fields.Password is { Length: > 0 } password)
        {
            builder.Password = password;
        }

        if (!string.IsNullOrWhiteSpace(fields.Dbname))
        {
            builder.Database = fields.Dbname;
        }

        if (!Names(connectionString, "Timeout"))
        {
            builder.Timeout = (int)Math.Ceiling(fields.ConnectTimeout.TotalSeconds);
        }

        if (!Names(connectionString, "Command Timeout", "CommandTimeout"))
        {
            builder.CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        }

        if (!Names(connectionString, "Application Name", "ApplicationName"))
        {
            builder.ApplicationName = "pulse-api";
        }

        // The service sets no session state, so a pooled connection needs no DISCARD ALL before reuse, and
        // its few statements are worth preparing once per connection rather than parsing on every request.
        if (!Names(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!Names(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 32;
        }

        return builder;
    }

    /// <summary>
    /// The configured file, or <see cref="DatabaseOptions.DefaultSqlitePath"/> under the content root. When
    /// the default's directory cannot be written (a container with a read-only root filesystem), the file
    /// goes to the temporary directory instead, with a warning: the data then lives as long as that directory.
    /// </summary>
    private static string SqlitePath(DatabaseOptions options, IHostEnvironment environment, ILogger logger)
    {
        if (options.Sqlite.Path is { } configured)
        {
            var path = Path.GetFullPath(configured, environment.ContentRootPath);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new OptionsValidationException(nameof(DatabaseOptions), typeof(DatabaseOptions), [$"Database:Sqlite:Path: cannot create the directory of '{path}': {ex.Message}"]);
            }

            return path;
        }

        var preferred = Path.GetFullPath(DatabaseOptions.DefaultSqlitePath, environment.ContentRootPath);
        if (IsWritableDirectory(Path.GetDirectoryName(preferred)!))
        {
            return preferred;
        }

        var fallback = Path.Combine(Path.GetTempPath(), "pulse", "pulse.db");
        Directory.CreateDirectory(Path.GetDirectoryName(fallback)!);
        LogSqliteFallback(logger, preferred, fallback);
        return fallback;
    }

    private static bool IsWritableDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether a connection string names a keyword itself (Npgsql's builder reports every known keyword as present).</summary>
    private static bool Names(string? connectionString, params string[] keywords)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        var raw = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return raw.Keys.Cast<string>().Select(Normalize).Intersect(keywords.Select(Normalize)).Any();

        static string Normalize(string key) => key.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Cannot write the default SQLite location {Preferred}; using {Fallback}. Set Database:Sqlite:Path to a persistent volume to keep the data.")]
    private static partial void LogSqliteFallback(ILogger logger, string preferred, string fallback);
}
