using Microsoft.Extensions.Options;
using Pulse.Api.Data;

namespace Pulse.Api.Hosting;

/// <summary>
/// The <c>migrate</c> verb (<c>dotnet Pulse.Api.dll migrate [--Database:...=...]</c>): applies the schema with
/// the same settings as the service and exits 0, or exits 1 with the reason. For a one-off task before a
/// deployment, or with <c>Database:MigrateOnStartup=false</c>.
/// </summary>
internal static partial class MigrateCommand
{
    public const string Verb = "migrate";

    public static bool IsInvoked(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(ServiceDefaults.BuilderOptions(args[1..]));
        builder.AddServiceDefaults();
        builder.AddPulseData();
        await using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrateCommand).FullName!);
        try
        {
            _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var report = await app.Services.GetRequiredService<SchemaMigrator>().MigrateWithRetryAsync(MigrateOnStartup.RetryWindow);
            LogMigrated(logger, report.FromVersion, report.ToVersion, report.Applied.Count);
            return 0;
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex.Message);
            return 1;
        }
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Migrated the schema from version {From} to {To} ({Count} scripts applied)")]
    private static partial void LogMigrated(ILogger logger, int from, int to, int count);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Error, Message = "Migration failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
