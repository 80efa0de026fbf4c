using Microsoft.Extensions.Logging.Console;

namespace Pulse.Api.Hosting;

/// <summary>Host settings every Pulse service shares: content root, address, console logs, problem details.</summary>
internal static class ServiceDefaults
{
    /// <summary>Where the service listens unless <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>ASPNETCORE_HTTP_PORTS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>
    /// Builder options whose content root is the directory of the service's own files, not the working
    /// directory: <c>appsettings.json</c> (its log levels, among others) and the default SQLite path then
    /// hold wherever the process is started from. An explicit <c>--contentRoot</c>,
    /// <c>ASPNETCORE_CONTENTROOT</c> or <c>DOTNET_CONTENTROOT</c> still wins.
    /// </summary>
    public static WebApplicationOptions BuilderOptions(string[] args)
    {
        var explicitRoot = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build()[WebHostDefaults.ContentRootKey];
        return new WebApplicationOptions { Args = args, ContentRootPath = explicitRoot is null ? AppContext.BaseDirectory : null };
    }

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Readable lines for a person at a terminal in Development (what `dotnet run` starts); one JSON object
        // per line everywhere else (containers, production), for log collectors. When stdout stalls, lines
        // are dropped rather than blocking requests behind the console logger's queue. A JSON line written inside
        // a request carries its scopes: first the request's trace and span ids (the W3C ids of its server span,
        // exported when the trace is sampled), then ASP.NET Core's connection and request ids.
        builder.Logging.ClearProviders();
        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(options => options.TimestampFormat = "HH:mm:ss ");
        }
        else
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                options.JsonWriterOptions = new() { Indented = false };
            });
        }

        builder.Services.Configure<ConsoleLoggerOptions>(options => options.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite);

        builder.Services.AddProblemDetails();
        return builder;
    }
}
