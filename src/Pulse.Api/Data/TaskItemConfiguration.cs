using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Pulse.Api.Data;

/// <summary>Maps <see cref="TaskItem"/> to the <c>tasks</c> table of migration 0002.</summary>
internal sealed class TaskItemConfiguration : IEntityTypeConfiguration<TaskItem>
{
    public void Configure(EntityTypeBuilder<TaskItem> builder)
    {
        builder.ToTable("tasks");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasColumnName("id").ValueGeneratedOnAdd();
        builder.Property(t => t.Title).HasColumnName("title").HasMaxLength(TaskItem.TitleMaxLength);
        builder.Property(t => t.Description).HasColumnName("description").HasMaxLength(TaskItem.DescriptionMaxLength);
        builder.Property(t => t.Status).HasColumnName("status").HasMaxLength(16)
            .HasConversion(state => TaskStates.ToName(state), name => TaskStates.Parse(name));
        builder.Property(t => t.DueDate).HasColumnName("due_date");
        builder.Property(t => t.Version).HasColumnName("version");
        builder.Property(t => t.CreatedAt).HasColumnName("created_at");
        builder.Property(t => t.UpdatedAt).HasColumnName("updated_at");
        builder.HasIndex(t => new { t.Status, t.Id }).HasDatabaseName("ix_tasks_status_id");
    }
}
