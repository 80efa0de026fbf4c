using Microsoft.Extensions.Logging.Console;

namespace Pulse.Api.Hosting;

/// <summary>Host settings every Pulse service shares: address, JSON logs, problem details, validation.</summary>
internal static class ServiceDefaults
{
    /// <summary>Where the service listens unless <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>ASPNETCORE_HTTP_PORTS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // One JSON object per line on stdout. When stdout stalls, log lines are dropped rather than
        // blocking requests behind the console logger's queue.
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options =>
        {
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.JsonWriterOptions = new() { Indented = false };
        });
        builder.Services.Configure<ConsoleLoggerOptions>(options => options.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite);

        builder.Services.AddProblemDetails();
        builder.Services.AddValidation();
        return builder;
    }
}
