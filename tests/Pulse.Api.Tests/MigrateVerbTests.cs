using System.Globalization;
using Pulse.Api.Data;
using Pulse.Api.Hosting;
using Pulse.Api.Tests.Infrastructure;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>The <c>migrate</c> verb of the service binary, run as its own process as a one-off task would.</summary>
public sealed class MigrateVerbTests
{
    internal static Task<ProcessResult> RunMigrateAsync(params string[] settings) =>
        ProcessRunner.RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll"), MigrateCommand.Verb, .. settings],
            timeout: TimeSpan.FromSeconds(90),
            workingDirectory: Path.GetTempPath());

    [Fact]
    public async Task MigrateAppliesTheSchemaAndExitsZero()
    {
        await using var database = await MigrationTarget.CreateAsync(DatabaseProvider.Sqlite);
        var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;

        var result = await RunMigrateAsync($"--Database:Sqlite:Path={path}");

        Assert.True(result.ExitCode == 0, result.ToString());
        var latest = SchemaMigrator.All(DatabaseProvider.Sqlite)[^1].Version;
        Assert.Contains($"Migrated the schema from version 0 to {latest}", result.StandardOutput, StringComparison.Ordinal);
        var history = await database.QueryAsync($"SELECT COUNT(*) FROM {SchemaMigrator.HistoryTable}");
        Assert.Equal(SchemaMigrator.All(DatabaseProvider.Sqlite).Count, Convert.ToInt32(history[0][0], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task MigrateWithBadSettingsExitsOneNamingTheSetting()
    {
        var result = await RunMigrateAsync("--Database:Provider=Postgres");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("ConnectionStrings:Postgres", result.StandardOutput, StringComparison.Ordinal);
    }
}

[Postgres]
public sealed class PostgresMigrateVerbTests
{
    [DatabaseFact]
    public async Task SeveralMigrateProcessesAtOnceOnAFreshDatabaseAllExitZeroAndApplyTheSchemaOnce()
    {
        await using var database = await MigrationTarget.CreateAsync(DatabaseProvider.Postgres);

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            MigrateVerbTests.RunMigrateAsync("--Database:Provider=Postgres", $"--ConnectionStrings:Postgres={database.ConnectionString}")));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var migrations = SchemaMigrator.All(DatabaseProvider.Postgres);
        var applyingLines = results.SelectMany(r => r.StandardOutput.Split('\n')).Count(line => line.Contains("\"EventId\":4010,", StringComparison.Ordinal));
        Assert.Equal(migrations.Count, applyingLines);
        var history = await database.QueryAsync($"SELECT version FROM {SchemaMigrator.HistoryTable} ORDER BY version");
        Assert.Equal(migrations.Select(m => m.Version), history.Select(r => (int)r[0]!));
    }
}
