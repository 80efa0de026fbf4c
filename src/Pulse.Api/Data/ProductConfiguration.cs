using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Pulse.Api.Products;

namespace Pulse.Api.Data;

/// <summary>Maps <see cref="Product"/> to the <c>products</c> table of migration 0001.</summary>
internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> builder)
    {
        builder.ToTable("products");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id").ValueGeneratedOnAdd();
        builder.Property(p => p.Name).HasColumnName("name").HasMaxLength(ProductRules.NameMaxLength);
        builder.Property(p => p.Price).HasColumnName("price").HasPrecision(ProductRules.PricePrecision, ProductRules.PriceScale);
        builder.Property(p => p.Amount).HasColumnName("amount");
        builder.Property(p => p.Version).HasColumnName("version");
        builder.Property(p => p.CreatedAt).HasColumnName("created_at");
        builder.Property(p => p.UpdatedAt).HasColumnName("updated_at");
    }
}
