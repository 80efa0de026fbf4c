using System.Text.Json.Serialization;

namespace Pulse.Api.Data;

/// <summary>A task of the tracker as stored. Named so that it does not shadow <see cref="Task"/>.</summary>
internal sealed class TaskItem : IVersionedEntity
{
    /// <summary>Characters the title column holds (migration 0002), and so the most a title may have.</summary>
    public const int TitleMaxLength = 200;

    /// <summary>Characters the description column holds (migration 0002).</summary>
    public const int DescriptionMaxLength = 2000;

    public long Id { get; set; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    public TaskState Status { get; set; }

    public DateOnly? DueDate { get; set; }

    /// <summary>Starts at 1 and goes up by one with every update; the ETag is derived from it.</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Where a task stands. The wire and database spellings are <c>todo</c>, <c>in_progress</c> and <c>done</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
internal enum TaskState
{
    [JsonStringEnumMemberName("todo")]
    Todo,

    [JsonStringEnumMemberName("in_progress")]
    InProgress,

    [JsonStringEnumMemberName("done")]
    Done,
}

/// <summary>Conversions between <see cref="TaskState"/> and its one spelling, on the wire and in the database.</summary>
internal static class TaskStates
{
    public const string Todo = "todo";
    public const string InProgress = "in_progress";
    public const string Done = "done";

    public static readonly IReadOnlyList<string> All = [Todo, InProgress, Done];

    public static string ToName(TaskState state) => state switch
    {
        TaskState.Todo => Todo,
        TaskState.InProgress => InProgress,
        TaskState.Done => Done,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? name, out TaskState state)
    {
        (var known, state) = name switch
        {
            Todo => (true, TaskState.Todo),
            InProgress => (true, TaskState.InProgress),
            Done => (true, TaskState.Done),
            _ => (false, default),
        };
        return known;
    }

    public static TaskState Parse(string name) =>
        TryParse(name, out var state) ? state : throw new FormatException($"Unknown task status '{name}'.");
}
