# One image for the three sohoa processes (api, worker, beat); docker-compose.yml picks the command.
# Debian slim with the Tesseract the OCR needs (Vietnamese model + orientation detection), and
# pg_dump/pg_restore for `sohoa backup`/`restore` (bookworm's 15, the compose PostgreSQL's major),
# and the PC/SC client library USB tokens' PKCS#11 modules load (deploy/README.md, "Signing key").
FROM python:3.11.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SOHOA_DATA_DIR=/var/lib/sohoa

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-script-viet tesseract-ocr-osd fonts-dejavu-core \
      postgresql-client libpcsclite1 \
      libtesseract-dev libleptonica-dev pkg-config g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/sohoa
COPY pyproject.toml setup.py README.md ./
COPY api ./api
COPY catalog ./catalog
COPY core ./core
COPY ingest ./ingest
COPY ocr ./ocr
COPY records ./records
COPY search ./search
COPY sohoa ./sohoa
COPY storage ./storage
RUN pip install --no-binary tesserocr . && rm -rf build *.egg-info

# Never run as root (Celery warns against it; none of the processes needs it).
RUN useradd --system --uid 10001 --home-dir /var/lib/sohoa --create-home sohoa
USER sohoa
WORKDIR /var/lib/sohoa

EXPOSE 8000
CMD ["sohoa", "serve", "--host", "0.0.0.0", "--port", "8000"]
