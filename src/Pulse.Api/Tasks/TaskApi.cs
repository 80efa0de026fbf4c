using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Pulse.Api.Data;
using Pulse.Api.Http;

namespace Pulse.Api.Tasks;

/// <summary>
/// The task tracker of seed 001, with the product catalogue's conventions (batches, pages, ETags,
/// conditional updates), plus a status filter on the list. docs/api.md describes the contract.
/// </summary>
internal static class TaskApi
{
    public const string Route = "/tasks";

    public static IEndpointRouteBuilder MapTasks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Tasks")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet(string.Empty, ListTasks)
            .WithMetadata(new RouteLabel(Route))
            .WithName("ListTasks")
            .WithSummary("Lists tasks in id order, a page at a time, optionally of one status.")
            .WithDescription("The next page is in `next` and in the `Link` header (rel=\"next\"); both keep the status filter and are absent on the last page.");

        VersionedResourceApi<TaskResource, TaskItem, TaskInput, TaskResponse>.MapItems(group, "Tasks", exampleField: "title");

        return routes;
    }

    internal static async Task<Results<Ok<Page<TaskResponse>>, ValidationProblem>> ListTasks(
        [AsParameters] TaskListQuery query, PulseDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new InputErrors();
        var valid = Paging.TryRead(query.Limit, query.Cursor, errors, out var limit, out var afterId);
        TaskState? status = null;
        if (query.Status is not null)
        {
            if (TaskStates.TryParse(query.Status, out var state))
            {
                status = state;
            }
            else
            {
                errors.Add("status", $"Must be one of {string.Join(", ", TaskStates.All)}.");
                valid = false;
            }
        }

        if (!valid)
        {
            return errors.ToProblem();
        }

        var tasks = db.Tasks.AsNoTracking().Where(t => t.Id > afterId);
        if (status is { } only)
        {
            tasks = tasks.Where(t => t.Status == only);
        }

        var rows = await tasks.OrderBy(t => t.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var next = rows.Count > limit ? Paging.NextLink(Route, limit, rows[limit - 1].Id, ("status", query.Status)) : null;
        Paging.SetLinkHeader(response, next);
        return TypedResults.Ok(new Page<TaskResponse>([.. rows.Take(limit).Select(TaskResponse.From)], next));
    }
}

/// <summary>How the shared item endpoints (<see cref="VersionedResourceApi{TKind, TEntity, TInput, TResponse}"/>) read, write and show a task.</summary>
internal sealed class TaskResource : IVersionedResource<TaskItem, TaskInput, TaskResponse>
{
    private TaskResource()
    {
    }

    public static string Route => TaskApi.Route;

    public static string Name => "task";

    public static TaskInput? Read(JsonElement element, InputErrors errors, string prefix) => TaskRules.Read(element, errors, prefix);

    public static long? IdOf(TaskInput input) => input.Id;

    public static TaskItem Create(TaskInput input) => new()
    {
        Title = input.Title,
        Description = input.Description,
        Status = input.Status,
        DueDate = input.DueDate,
    };

    public static void Update(UpdateSettersBuilder<TaskItem> set, TaskInput input) => set
        .SetProperty(t => t.Title, input.Title)
        .SetProperty(t => t.Description, input.Description)
        .SetProperty(t => t.Status, input.Status)
        .SetProperty(t => t.DueDate, input.DueDate);

    public static TaskResponse ToResponse(TaskItem entity) => TaskResponse.From(entity);
}
