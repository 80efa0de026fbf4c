using Microsoft.AspNetCore.Http.HttpResults;

namespace Pulse.Api.Http;

/// <summary>
/// Error messages keyed by field, as a 400 <c>ValidationProblem</c> reports them: <c>name</c> for a single
/// object, <c>[3].price</c> for the fourth item of a batch, <c>$</c> for the body as a whole, and the
/// parameter or header name for query parameters and headers.
/// </summary>
internal sealed class InputErrors
{
    public const string Body = "$";

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string key, string message)
    {
        if (!_errors.TryGetValue(key, out var messages))
        {
            _errors[key] = messages = [];
        }

        messages.Add(message);
    }

    public ValidationProblem ToProblem() =>
        TypedResults.ValidationProblem(
            _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
            title: "The request has invalid fields.");
}
