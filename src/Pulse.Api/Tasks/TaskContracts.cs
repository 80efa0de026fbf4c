using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Pulse.Api.Http;

namespace Pulse.Api.Tasks;

/// <summary>The rules of a task's fields, shared by the input reader, the database mapping and the OpenAPI document.</summary>
internal static class TaskRules
{
    public const int TitleMaxLength = 200;
    public const int DescriptionMaxLength = 2000;

    public static readonly IReadOnlyList<string> Fields = ["id", "title", "description", "status", "dueDate"];

    /// <summary>Reads one task from a request body; null (with errors recorded under <paramref name="prefix"/>) when invalid.</summary>
    public static TaskInput? Read(JsonElement element, InputErrors errors, string prefix = "")
    {
        if (JsonFields.Open(element, errors, prefix, "task", Fields) is not { } fields)
        {
            return null;
        }

        var id = fields.OptionalId("id");
        var title = fields.RequiredText("title", TitleMaxLength);
        var description = fields.OptionalText("description", DescriptionMaxLength, multiline: true);
        var status = fields.OptionalChoice("status", TaskStates.All);
        var dueDate = fields.OptionalDate("dueDate");
        return title is null
            ? null
            : new TaskInput { Id = id, Title = title, Description = description, Status = status is null ? TaskState.Todo : TaskStates.Parse(status), DueDate = dueDate };
    }
}

/// <summary>
/// A task as clients send it (POST, and PUT where a body id, if any, must equal the URL's). Absent optional
/// fields take their defaults, also on PUT. createdAt and updatedAt may be sent back and are ignored; any
/// other field is an error.
/// </summary>
internal sealed class TaskInput
{
    /// <summary>Optional: on POST the service picks one when absent; on PUT it must equal the URL's.</summary>
    [Range(1, JsonFields.MaxId)]
    public long? Id { get; init; }

    /// <summary>1 to 200 characters, not only white space, no control characters.</summary>
    [StringLength(TaskRules.TitleMaxLength, MinimumLength = 1)]
    public required string Title { get; init; }

    /// <summary>Optional (null), at most 2000 characters; line breaks and tabs allowed, other control characters not.</summary>
    [StringLength(TaskRules.DescriptionMaxLength)]
    public string? Description { get; init; }

    /// <summary>todo (the default), in_progress or done.</summary>
    public TaskState Status { get; init; } = TaskState.Todo;

    /// <summary>Optional (null) calendar date, YYYY-MM-DD.</summary>
    public DateOnly? DueDate { get; init; }
}

/// <summary>A task as the service returns it.</summary>
internal sealed record TaskResponse(long Id, string Title, string? Description, TaskState Status, DateOnly? DueDate, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static TaskResponse From(TaskItem task) => new(
        task.Id, task.Title, task.Description, task.Status, task.DueDate, task.CreatedAt.UtcDateTime, task.UpdatedAt.UtcDateTime);
}

/// <summary>Query parameters of the task list: a page, optionally of one status only.</summary>
/// <param name="Limit">Items per page, 1 to 500 (default 50).</param>
/// <param name="Cursor">Where to continue: the cursor in the previous page's next link.</param>
/// <param name="Status">Only tasks with this status: todo, in_progress or done.</param>
internal sealed record TaskListQuery(
    [FromQuery(Name = "limit")][property: Description("Items per page, 1 to 500 (default 50).")] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("Where to continue: the cursor in the previous page's next link.")] string? Cursor,
    [FromQuery(Name = "status")][property: Description("Only tasks with this status: todo, in_progress or done.")] string? Status);
