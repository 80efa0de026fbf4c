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

    /// <summary>
    /// Fields reported at most: a 1 MB body of bad items (or of unknown fields) could otherwise make an answer
    /// many times its size. The rest are counted under <see cref="Body"/>.
    /// </summary>
    public const int MaxFields = 100;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private int _unreported;

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string key, string message)
    {
        if (!_errors.TryGetValue(key, out var messages))
        {
            if (_errors.Count >= MaxFields)
            {
                _unreported++;
                return;
            }

            _errors[key] = messages = [];
        }

        messages.Add(message);
    }

    public ValidationProblem ToProblem()
    {
        var errors = _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        if (_unreported > 0)
        {
            errors[Body] = [.. errors.GetValueOrDefault(Body, []), $"{_unreported} more errors in other fields are not listed."];
        }

        return TypedResults.ValidationProblem(errors, title: "The request has invalid fields.");
    }
}
