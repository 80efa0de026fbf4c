using Microsoft.Extensions.Options;

namespace Pulse.Api.Data;

/// <summary>
/// Brings the schema up to date before the server accepts requests when <c>Database:MigrateOnStartup</c> is
/// true (the default). A database that is not reachable yet is retried for <see cref="RetryWindow"/>; after
/// that, or on any other failure, start-up fails with the reason.
/// </summary>
internal sealed class MigrateOnStartup(IOptions<DatabaseOptions> options, SchemaMigrator migrator) : IHostedService
{
    public static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStartup)
        {
            await migrator.MigrateWithRetryAsync(RetryWindow, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
