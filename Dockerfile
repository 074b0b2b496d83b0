FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY lineage_api ./lineage_api
COPY collectors ./collectors
COPY flows ./flows
COPY graph_schema ./graph_schema
RUN pip install --no-cache-dir . && useradd --system --create-home lineage && mkdir -p /var/lib/ai-lineage \
    && chown lineage /var/lib/ai-lineage
USER lineage
ENV LINEAGE_DATA_DIR=/var/lib/ai-lineage
EXPOSE 8000
CMD ["lineage", "serve", "--host", "0.0.0.0", "--port", "8000"]
