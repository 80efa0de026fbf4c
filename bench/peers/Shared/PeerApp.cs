using Microsoft.Extensions.Logging.Console;

namespace Pulse.Peers;

/// <summary>
/// What every peer shares with Pulse.Api on the benchmarked path, so that the only difference between a peer
/// and its uninstrumented twin is the instrumentation: the same JSON console logging (one line per entry,
/// dropped rather than blocking when stdout stalls), problem details, the exception handler and status-code
/// pages, and <c>GET /</c> answering the same JSON body.
/// </summary>
internal static class PeerApp
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options =>
        {
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.JsonWriterOptions = new() { Indented = false };
        });
        builder.Services.Configure<ConsoleLoggerOptions>(options => options.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite);
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>The pipeline after the instrumentation's own middleware.</summary>
    public static void MapRoutes(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapGet("/", () => TypedResults.Ok(new MessageResponse("Hello, World!")));
        app.MapGet("/health/live", () => TypedResults.Ok());
    }
}

/// <summary>The greeting, as Pulse.Api writes it.</summary>
/// <param name="Message">The text.</param>
internal sealed record MessageResponse(string Message);
