using Microsoft.EntityFrameworkCore;

namespace Pulse.Api.Data;

/// <summary>
/// The one unit of work over products and tasks. The schema it maps is created by the versioned scripts
/// under Data/Migrations (see <see cref="SchemaMigrator"/>), not by EF Core; a test compares the two.
/// </summary>
internal sealed class PulseDbContext(DbContextOptions<PulseDbContext> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();

    public DbSet<TaskItem> Tasks => Set<TaskItem>();

    public bool IsPostgres => Database.IsNpgsql();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new ProductConfiguration());
        modelBuilder.ApplyConfiguration(new TaskItemConfiguration());
    }
}
