-- The knowledge base and the review console have databases of their own beside the conversations'.
CREATE DATABASE knowledge;
CREATE DATABASE console;
