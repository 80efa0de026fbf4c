using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pulse.Api.Data;

namespace Pulse.Api.Tests.Infrastructure;

/// <summary>An empty database of one provider, with what the migration tests need to drive and inspect it.</summary>
internal sealed class MigrationTarget(DatabaseTarget target, Func<ValueTask> release) : IAsyncDisposable
{
    public DatabaseTarget Target { get; } = target;

    public DatabaseProvider Provider => Target.Provider;

    public string ConnectionString => Target.ConnectionString;

    public static async Task<MigrationTarget> CreateAsync(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var path = TestDatabases.NewSqlitePath();
            return new MigrationTarget(Resolve(new DatabaseOptions { Sqlite = { Path = path } }, null), () =>
            {
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
                return ValueTask.CompletedTask;
            });
        }

        var database = await TestDatabases.CreatePostgresAsync();
        return new MigrationTarget(Resolve(new DatabaseOptions { Provider = DatabaseProvider.Postgres }, database.ConnectionString), database.DisposeAsync);
    }

    /// <summary>A migrator of its own, as each replica of the service has.</summary>
    public SchemaMigrator NewMigrator() => new(Target, NullLogger<SchemaMigrator>.Instance);

    public DbConnection Connect() => Provider == DatabaseProvider.Postgres
        ? new NpgsqlConnection(ConnectionString)
        : new SqliteConnection(ConnectionString);

    public PulseDbContext NewContext()
    {
        var options = new DbContextOptionsBuilder<PulseDbContext>();
        _ = Provider == DatabaseProvider.Postgres ? options.UseNpgsql(ConnectionString) : options.UseSqlite(ConnectionString);
        return new PulseDbContext(options.Options);
    }

    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync() => release();

    private static DatabaseTarget Resolve(DatabaseOptions options, string? postgres)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = postgres })
            .Build();
        return DatabaseTarget.Resolve(options, configuration, new HostingEnvironment { ContentRootPath = Path.GetTempPath() }, NullLogger.Instance);
    }
}
