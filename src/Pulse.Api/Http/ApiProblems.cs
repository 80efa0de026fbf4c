using Microsoft.AspNetCore.Http.HttpResults;
using Pulse.Api.Data;

namespace Pulse.Api.Http;

/// <summary>The problem+json answers the JSON endpoints share (RFC 9457), so every one says the same thing the same way.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult NotFound(string resource, long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: $"There is no {resource} with id {id}.");

    public static ProblemHttpResult AlreadyExists(string resource, IReadOnlyCollection<long> ids) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Already exists.",
            detail: ids.Count == 1
                ? $"A {resource} with id {ids.First()} already exists."
                : $"{ids.Count} {resource}s already exist: ids {string.Join(", ", ids.Order())}.",
            extensions: new Dictionary<string, object?> { ["ids"] = ids.Order().ToArray() });

    public static ProblemHttpResult PreconditionFailed(string resource, long id) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The resource has changed.",
            detail: $"The {resource} with id {id} no longer matches If-Match: someone changed it. GET it again and reapply your change.");

    /// <summary>A conditional write that changed nothing: 412 when the item exists (so If-Match failed), 404 when it does not (RFC 9110 §13.2.2).</summary>
    public static ProblemHttpResult Missed(ChangeStatus status, string resource, long id) =>
        status == ChangeStatus.PreconditionFailed ? PreconditionFailed(resource, id) : NotFound(resource, id);

    public static ProblemHttpResult UnsupportedMediaType(string? contentType) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type.",
            detail: contentType is null
                ? "The request has no Content-Type; send the body as application/json."
                : "Send the body as application/json (UTF-8).");

    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Request body too large.",
            detail: $"The request body is larger than {limit} bytes (setting Api:MaxRequestBodyBytes).");

    public static ProblemHttpResult MalformedJson(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body is not valid JSON.", detail: detail);

    public static ProblemHttpResult InvalidIfMatch() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "Invalid If-Match header.",
            detail: "If-Match must be * or a list of quoted ETags such as \"3\".");
}
