using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Pulse.Api.Data;
using Pulse.Api.Http;

namespace Pulse.Api.Tasks;

/// <summary>
/// A task as clients send it (POST, and PUT where a body id, if any, must equal the URL's). Absent optional
/// fields take their defaults, also on PUT. createdAt and updatedAt may be sent back and are ignored; any
/// other field is an error.
/// </summary>
internal sealed class TaskInput : IJsonInput<TaskInput>
{
    private static readonly TextField TitleField = new("title", TaskItem.TitleMaxLength);
    private static readonly TextField DescriptionField = new("description", TaskItem.DescriptionMaxLength, Required: false, Multiline: true);
    private static readonly ChoiceField StatusField = new("status", TaskStates.All);
    private static readonly DateField DueDateField = new("dueDate");

    public static string What => "task";

    public static IReadOnlyList<InputField> Fields { get; } = [InputField.Id, TitleField, DescriptionField, StatusField, DueDateField];

    /// <summary>Optional: on POST the service picks one when absent; on PUT it must equal the URL's.</summary>
    public long? Id { get; init; }

    /// <summary>1 to 200 characters, not only white space, no control characters.</summary>
    public required string Title { get; init; }

    /// <summary>Optional (null), at most 2000 characters; line breaks and tabs allowed, other control characters not.</summary>
    public string? Description { get; init; }

    /// <summary>todo (the default), in_progress or done.</summary>
    public TaskState Status { get; init; } = TaskState.Todo;

    /// <summary>Optional (null) calendar date, YYYY-MM-DD.</summary>
    public DateOnly? DueDate { get; init; }

    public static TaskInput? Read(JsonFields fields)
    {
        var id = fields.WholeNumber(InputField.Id);
        var title = fields.Text(TitleField);
        var description = fields.Text(DescriptionField);
        var status = fields.Choice(StatusField);
        var dueDate = fields.Date(DueDateField);
        return title is null
            ? null
            : new TaskInput { Id = id, Title = title, Description = description, Status = status is null ? TaskState.Todo : TaskStates.Parse(status), DueDate = dueDate };
    }
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
