using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Pulse.Api.Http;

/// <summary>Reads one item from a JSON element; returns null or records errors (keyed under the prefix) when it is invalid.</summary>
internal delegate T? InputReader<T>(JsonElement element, InputErrors errors, string prefix);

/// <summary>
/// Turns request bodies into validated inputs for the JSON endpoints: one object, or (for POST) an array of
/// 1 to <see cref="MaxBatch"/> objects validated as a whole, so that one bad item rejects the batch with
/// every failing index named (<c>[3].price</c>).
/// </summary>
internal static class RequestInputs
{
    public const int MaxBatch = 1000;

    public static async Task<Inputs<T>> ReadOneOrManyAsync<T>(
        HttpRequest request, long maxBytes, string what, InputReader<T> read, Func<T, long?> idOf, CancellationToken cancellationToken)
        where T : class
    {
        var body = await JsonBody.ReadAsync(request, maxBytes, cancellationToken);
        if (body.Problem is { } problem)
        {
            return Inputs<T>.Failed(problem);
        }

        using var document = body.Document!;
        var root = document.RootElement;
        var errors = new InputErrors();
        if (root.ValueKind != JsonValueKind.Array)
        {
            return One(root, errors, read);
        }

        var count = root.GetArrayLength();
        if (count is 0 or > MaxBatch)
        {
            errors.Add(InputErrors.Body, $"A batch holds 1 to {MaxBatch} {what}s; this one has {count}.");
            return Inputs<T>.Invalid(errors);
        }

        var items = new List<T>(count);
        var firstIndexOfId = new Dictionary<long, int>();
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            var prefix = $"[{index}]";
            if (read(element, errors, prefix) is { } item)
            {
                items.Add(item);
                if (idOf(item) is { } id && !firstIndexOfId.TryAdd(id, index))
                {
                    errors.Add($"{prefix}.id", $"Repeats the id of [{firstIndexOfId[id]}]; ids in a batch must differ.");
                }
            }

            index++;
        }

        return errors.IsEmpty ? new Inputs<T>(items, true, null, null) : Inputs<T>.Invalid(errors);
    }

    /// <summary>One object for a PUT to <paramref name="routeId"/>: a body id, if any, must be the route's.</summary>
    public static async Task<Inputs<T>> ReadOneAsync<T>(
        HttpRequest request, long maxBytes, InputReader<T> read, Func<T, long?> idOf, long routeId, CancellationToken cancellationToken)
        where T : class
    {
        var body = await JsonBody.ReadAsync(request, maxBytes, cancellationToken);
        if (body.Problem is { } problem)
        {
            return Inputs<T>.Failed(problem);
        }

        using var document = body.Document!;
        var errors = new InputErrors();
        var inputs = One(document.RootElement, errors, read);
        if (inputs.Items is [var item] && idOf(item) is { } bodyId && bodyId != routeId)
        {
            errors.Add("id", $"Must be {routeId}, the id in the URL, or be left out (was {bodyId}).");
            return Inputs<T>.Invalid(errors);
        }

        return inputs;
    }

    /// <summary>One item; <paramref name="read"/> reports a root that is not an object (JsonFields.Open).</summary>
    private static Inputs<T> One<T>(JsonElement root, InputErrors errors, InputReader<T> read)
        where T : class
    {
        var item = read(root, errors, string.Empty);
        return item is not null && errors.IsEmpty ? new Inputs<T>([item], false, null, null) : Inputs<T>.Invalid(errors);
    }
}

/// <summary>Validated inputs, or the answer that rejects the request: a problem (415, 413, malformed JSON) or invalid fields.</summary>
internal sealed record Inputs<T>(IReadOnlyList<T> Items, bool IsBatch, ProblemHttpResult? Problem, ValidationProblem? Errors)
{
    public static Inputs<T> Failed(ProblemHttpResult problem) => new([], false, problem, null);

    public static Inputs<T> Invalid(InputErrors errors) => new([], false, null, errors.ToProblem());
}
