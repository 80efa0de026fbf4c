using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Pulse.Api.Data;

/// <summary>Maps <see cref="Product"/> to the <c>products</c> table of migration 0001.</summary>
internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> builder)
    {
        builder.ToTable("products");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id").ValueGeneratedOnAdd();
        builder.Property(p => p.Name).HasColumnName("name").HasMaxLength(Product.NameMaxLength);
        // numeric(12,2), as migration 0001 creates it; the API takes only amounts that fit (Money).
        builder.Property(p => p.Price).HasColumnName("price").HasPrecision(12, 2);
        builder.Property(p => p.Amount).HasColumnName("amount");
        builder.Property(p => p.Version).HasColumnName("version");
        builder.Property(p => p.CreatedAt).HasColumnName("created_at");
        builder.Property(p => p.UpdatedAt).HasColumnName("updated_at");
    }
}
