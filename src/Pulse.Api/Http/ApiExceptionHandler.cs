using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Pulse.Api.Data;

namespace Pulse.Api.Http;

/// <summary>
/// Turns the exceptions that bad input or the database can raise into problem+json that names the cause: a
/// 4xx for the request, 507 when the database cannot store it, 503 when the database cannot be used right now.
/// No request can produce a 500 through them. Anything else stays a 500.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>Seconds a client should wait before retrying while the database is unavailable.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            // Binding failures (RouteHandlerOptions.ThrowOnBadRequest), malformed requests, Kestrel's limits.
            BadHttpRequestException bad => (bad.StatusCode, TitleFor(bad.StatusCode), bad.Message),

            // Kestrel reports a chunk size too large for its 32-bit counter ("80000000") as an IOException
            // around the OverflowException, not as a BadHttpRequestException; the request is just as malformed.
            IOException { InnerException: OverflowException } => (StatusCodes.Status400BadRequest, TitleFor(StatusCodes.Status400BadRequest), exception.Message),
            _ => DatabaseProblem(exception),
        };
        if (status == 0)
        {
            return false;
        }

        if (status >= StatusCodes.Status500InternalServerError)
        {
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            if (logger.IsEnabled(LogLevel.Warning))
            {
                LogDatabaseProblem(logger, status, exception.GetType().Name, exception.GetBaseException().Message);
            }
        }
        else
        {
            LogRejected(logger, status, exception.Message);
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static (int Status, string Title, string Detail) DatabaseProblem(Exception exception) => DatabaseErrors.Classify(exception) switch
    {
        DatabaseErrorKind.Conflict => (StatusCodes.Status409Conflict, "Already exists.", "An item with the same id already exists."),
        DatabaseErrorKind.Rejected => (StatusCodes.Status400BadRequest, "Invalid value.", "The database refused a value of the request."),
        DatabaseErrorKind.IdsExhausted => (
            StatusCodes.Status507InsufficientStorage,
            "No id left to pick.",
            $"The service picks ids up to {JsonFields.MaxId} (2^53 - 1) and the next one would be past it, since an item already has an id at the end of that range. Nothing was written; send an unused id of your own to create the item."),
        DatabaseErrorKind.Full => (
            StatusCodes.Status507InsufficientStorage,
            "The database is full.",
            "The database has no space left for this change (its disk or its size limit is full). Nothing was written; reads still work. Retry once space has been freed."),
        DatabaseErrorKind.ReadOnly => (
            StatusCodes.Status507InsufficientStorage,
            "The database is read-only.",
            "The database accepts no changes right now (its file, file system or server is read-only). Nothing was written; reads still work. Retry once it is writable again."),
        DatabaseErrorKind.Unreachable => (
            StatusCodes.Status503ServiceUnavailable,
            "The database is unavailable.",
            $"The service cannot reach its database right now. Retry in {RetryAfterSeconds} seconds."),
        DatabaseErrorKind.Unavailable => (
            StatusCodes.Status503ServiceUnavailable,
            "The database is unavailable.",
            $"The database cannot serve requests right now (it is starting or stopping, out of connections, its file cannot be opened, or its schema is not migrated). Retry in {RetryAfterSeconds} seconds."),
        _ => (0, string.Empty, string.Empty),
    };

    private static string TitleFor(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request body too large.",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type.",
        StatusCodes.Status408RequestTimeout => "Request timeout.",
        _ => "Bad request.",
    };

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Database problem ({ExceptionType}: {Reason}); answered {Status}")]
    private static partial void LogDatabaseProblem(ILogger logger, int status, string exceptionType, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Request rejected with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int status, string reason);
}
