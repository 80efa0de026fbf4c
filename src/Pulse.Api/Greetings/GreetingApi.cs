using Microsoft.AspNetCore.Http.HttpResults;

namespace Pulse.Api.Greetings;

/// <summary>The starter endpoints: a greeting, a personal welcome and a deliberate error for testing alerts.</summary>
internal static partial class GreetingApi
{
    public const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapGreetings(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(string.Empty).WithTags("Greetings");

        group.MapGet("/", GetRoot)
            .WithName("GetRoot")
            .WithSummary("Says hello.");

        group.MapGet("/Welcome", GetWelcome)
            .WithName("GetWelcome")
            .WithSummary("Welcomes someone by name.")
            .ProducesValidationProblem();

        group.MapGet("/error", GetError)
            .WithName("GetError")
            .WithSummary("Fails on purpose with 500, to exercise error metrics and alerts.")
            .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);

        return routes;
    }

    internal static Ok<MessageResponse> GetRoot() => TypedResults.Ok(new MessageResponse("Hello, World!"));

    internal static Results<Ok<MessageResponse>, ValidationProblem> GetWelcome(string? name)
    {
        var problem = string.IsNullOrWhiteSpace(name) ? "The name query parameter is required and must not be empty."
            : name.Length > MaxNameLength ? $"The name query parameter must be at most {MaxNameLength} characters long."
            : null;
        return problem is null
            ? TypedResults.Ok(new MessageResponse($"Welcome {name}!"))
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [problem] });
    }

    internal static JsonHttpResult<ErrorResponse> GetError(ILoggerFactory loggerFactory)
    {
        LogIntentionalError(loggerFactory.CreateLogger(typeof(GreetingApi).FullName!));
        return TypedResults.Json(new ErrorResponse("Intentional error for testing"), statusCode: StatusCodes.Status500InternalServerError);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Intentional error requested on /error")]
    private static partial void LogIntentionalError(ILogger logger);
}

/// <summary>A message for the caller.</summary>
/// <param name="Message">The text.</param>
internal sealed record MessageResponse(string Message);

/// <summary>The body of the deliberate error.</summary>
/// <param name="Error">What went wrong.</param>
internal sealed record ErrorResponse(string Error);
