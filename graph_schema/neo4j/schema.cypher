// Idempotent constraints and indexes for the lineage graph (Neo4j 5, Community edition).
// Every node has the label Node with a unique typed id; every label is unique on its natural key.
CREATE CONSTRAINT node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT job_key IF NOT EXISTS FOR (n:Job) REQUIRE (n.namespace, n.name) IS UNIQUE;
CREATE CONSTRAINT run_key IF NOT EXISTS FOR (n:Run) REQUIRE n.runId IS UNIQUE;
CREATE CONSTRAINT dataset_key IF NOT EXISTS FOR (n:Dataset) REQUIRE (n.namespace, n.name) IS UNIQUE;
CREATE CONSTRAINT datasetversion_key IF NOT EXISTS FOR (n:DatasetVersion) REQUIRE (n.namespace, n.name, n.version) IS UNIQUE;
CREATE CONSTRAINT field_key IF NOT EXISTS FOR (n:Field) REQUIRE (n.namespace, n.name, n.field) IS UNIQUE;
CREATE CONSTRAINT output_key IF NOT EXISTS FOR (n:Output) REQUIRE n.outputId IS UNIQUE;
CREATE CONSTRAINT usecase_key IF NOT EXISTS FOR (n:UseCase) REQUIRE n.useCaseId IS UNIQUE;
CREATE CONSTRAINT approval_key IF NOT EXISTS FOR (n:Approval) REQUIRE n.approvalId IS UNIQUE;
CREATE CONSTRAINT review_key IF NOT EXISTS FOR (n:Review) REQUIRE n.reviewId IS UNIQUE;
CREATE CONSTRAINT decision_key IF NOT EXISTS FOR (n:Decision) REQUIRE n.decisionId IS UNIQUE;
CREATE CONSTRAINT evaluation_key IF NOT EXISTS FOR (n:Evaluation) REQUIRE n.evaluationId IS UNIQUE;
CREATE CONSTRAINT incident_key IF NOT EXISTS FOR (n:Incident) REQUIRE n.incidentId IS UNIQUE;
CREATE CONSTRAINT event_key IF NOT EXISTS FOR (n:Event) REQUIRE (n.replica, n.seq) IS UNIQUE;
CREATE INDEX node_label IF NOT EXISTS FOR (n:Node) ON (n.label);
CREATE INDEX dataset_name IF NOT EXISTS FOR (n:Dataset) ON (n.name);
CREATE INDEX job_name IF NOT EXISTS FOR (n:Job) ON (n.name);
CREATE INDEX run_state IF NOT EXISTS FOR (n:Run) ON (n.state);
CREATE INDEX dsv_dataset IF NOT EXISTS FOR (n:DatasetVersion) ON (n.namespace, n.name);
CREATE INDEX field_dataset IF NOT EXISTS FOR (n:Field) ON (n.namespace, n.name);
CREATE INDEX event_hash IF NOT EXISTS FOR (n:Event) ON (n.hash);
CREATE INDEX field_classified IF NOT EXISTS FOR (n:Field) ON (n.classified);
CREATE INDEX field_suggested IF NOT EXISTS FOR (n:Field) ON (n.suggested);
CREATE INDEX dataset_external IF NOT EXISTS FOR (n:Dataset) ON (n.external);
CREATE INDEX usecase_risk IF NOT EXISTS FOR (n:UseCase) ON (n.riskCategory);
CREATE INDEX decision_action IF NOT EXISTS FOR (n:Decision) ON (n.actionType);
CREATE INDEX run_model IF NOT EXISTS FOR (n:Run) ON (n.modelRun);
